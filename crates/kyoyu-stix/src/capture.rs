//! Reading a property value without committing to its type first.
//!
//! Key decision: the object reader takes every typed property as a [`Captured`] value — a
//! string, number, boolean or list of strings kept as such, anything else as a
//! `serde_json::Value` — and converts it to the property's type afterwards. A value of the wrong
//! shape is then a problem to report, not a deserializer error that would leave the stream in
//! an unknown place; so the bundle importer can read each object in a single pass straight from
//! the input and still skip a bad one.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::object::{
    ExternalReference, GranularMarking, Identifier, KillChainPhase, Text, Timestamp,
};

/// A JSON value read without knowing the type it should have.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Captured {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Text),
    /// A list whose elements are all strings (the common case: labels, refs, vocabularies).
    StrList(Vec<Text>),
    /// An object, or a list that is not all strings.
    Other(Value),
}

impl Captured {
    pub(crate) fn into_value(self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(b),
            Self::I64(n) => Value::from(n),
            Self::U64(n) => Value::from(n),
            Self::F64(n) => Value::from(n),
            Self::Str(s) => Value::String(s.into_string()),
            Self::StrList(v) => Value::Array(
                v.into_iter()
                    .map(|s| Value::String(s.into_string()))
                    .collect(),
            ),
            Self::Other(v) => v,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::I64(_) | Self::U64(_) => "an integer",
            Self::F64(_) => "a float",
            Self::Str(_) => "a string",
            Self::StrList(_) => "a list of strings",
            Self::Other(Value::Array(_)) => "a list",
            Self::Other(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Captured {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CapturedVisitor)
    }
}

struct CapturedVisitor;

impl<'de> Visitor<'de> for CapturedVisitor {
    type Value = Captured;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Captured, E> {
        Ok(Captured::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Captured, E> {
        Ok(Captured::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Captured, E> {
        Ok(Captured::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Captured, E> {
        Ok(Captured::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Captured, E> {
        Ok(Captured::Str(Text::from(v)))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Captured, E> {
        Ok(Captured::Str(Text::from(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Captured, E> {
        Ok(Captured::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Captured, E> {
        Ok(Captured::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Captured, D::Error> {
        Captured::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Captured, A::Error> {
        // Most lists have one element (`labels`, `*_types`); a `Vec` grown by `push` would
        // reserve four, so the first element is read before the list is allocated.
        let mut strings: Vec<Text> = match seq.next_element::<Captured>()? {
            None => return Ok(Captured::StrList(Vec::new())),
            Some(Captured::Str(first)) => match seq.next_element::<Captured>()? {
                None => return Ok(Captured::StrList(vec![first])),
                Some(Captured::Str(second)) => vec![first, second],
                Some(other) => {
                    let values = vec![Value::String(first.into_string()), other.into_value()];
                    return rest_as_values(values, seq);
                }
            },
            // Not all strings: a plain JSON list.
            Some(other) => return rest_as_values(vec![other.into_value()], seq),
        };
        while let Some(item) = seq.next_element::<Captured>()? {
            match item {
                Captured::Str(s) => strings.push(s),
                other => {
                    // Not all strings: fall back to a plain JSON list.
                    let mut values: Vec<Value> = strings
                        .into_iter()
                        .map(|s| Value::String(s.into_string()))
                        .collect();
                    values.push(other.into_value());
                    return rest_as_values(values, seq);
                }
            }
        }
        Ok(Captured::StrList(strings))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Captured, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Captured::Other)
    }
}

/// The rest of a list that is not all strings, as plain JSON after the `values` read so far.
fn rest_as_values<'de, A: SeqAccess<'de>>(
    mut values: Vec<Value>,
    mut seq: A,
) -> Result<Captured, A::Error> {
    while let Some(v) = seq.next_element::<Value>()? {
        values.push(v);
    }
    Ok(Captured::Other(Value::Array(values)))
}

/// Conversion of a captured value into a property's type; `Err` says what was wrong.
pub(crate) trait FromCaptured: Sized {
    fn from_captured(value: Captured) -> Result<Self, String>;
}

fn mismatch(expected: &str, found: &Captured) -> String {
    format!("expected {expected}, found {}", found.kind())
}

impl FromCaptured for Text {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::Str(s) => Ok(s),
            other => Err(mismatch("a string", &other)),
        }
    }
}

impl FromCaptured for Timestamp {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::Str(s) => Ok(Timestamp(s)),
            other => Err(mismatch("a timestamp string", &other)),
        }
    }
}

impl FromCaptured for Identifier {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::Str(s) => Ok(Identifier(s.into_string())),
            other => Err(mismatch("an identifier string", &other)),
        }
    }
}

impl FromCaptured for bool {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::Bool(b) => Ok(b),
            other => Err(mismatch("a boolean", &other)),
        }
    }
}

impl FromCaptured for i64 {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::I64(n) => Ok(n),
            Captured::U64(n) => i64::try_from(n).map_err(|_| format!("{n} is too large")),
            other => Err(mismatch("an integer", &other)),
        }
    }
}

impl FromCaptured for u64 {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::U64(n) => Ok(n),
            other => Err(mismatch("a non-negative integer", &other)),
        }
    }
}

impl FromCaptured for u16 {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::U64(n) => {
                u16::try_from(n).map_err(|_| format!("{n} is not a port (0–65535)"))
            }
            other => Err(mismatch("a port number", &other)),
        }
    }
}

impl FromCaptured for Vec<Text> {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::StrList(v) => Ok(v),
            other => Err(mismatch("a list of strings", &other)),
        }
    }
}

impl FromCaptured for Vec<Identifier> {
    fn from_captured(value: Captured) -> Result<Self, String> {
        match value {
            Captured::StrList(v) => {
                Ok(v.into_iter().map(|s| Identifier(s.into_string())).collect())
            }
            other => Err(mismatch("a list of identifiers", &other)),
        }
    }
}

/// Structured property types go through `serde_json::Value`: they are rarer, and their own
/// derives give precise messages.
macro_rules! via_value {
    ($($ty:ty),* $(,)?) => {
        $( impl FromCaptured for $ty {
            fn from_captured(value: Captured) -> Result<Self, String> {
                serde_json::from_value(value.into_value()).map_err(|e| e.to_string())
            }
        } )*
    };
}

via_value!(
    Map<String, Value>,
    std::collections::BTreeMap<Text, Text>,
    Vec<ExternalReference>,
    Vec<GranularMarking>,
    Vec<KillChainPhase>,
);
