//! Reading one JSON value of any type and converting it leniently into what a field needs.
//!
//! Key decision: every field is first read as a [`Loose`] value, which accepts whatever JSON
//! holds there, and only then converted. A misfit becomes a message for a diagnostic instead of
//! a serde error, which would abort the whole document. The conversions accept what MISP and
//! PyMISP emit: numbers as strings (`"5"`), booleans as `"1"`, `"0"`, `"true"`, `0`, `1`.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer;
use serde::de::{self, Deserialize, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::uuid::Uuid;

/// One JSON value, borrowed from the input where possible.
#[derive(Debug)]
pub(crate) enum Loose<'de> {
    Text(Cow<'de, str>),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Flag(bool),
    Null,
    /// An array or an object, which no scalar field accepts.
    Composite(&'static str),
}

impl<'de> Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Text(Cow::Borrowed(text)))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Loose::Text(Cow::Owned(text.to_owned())))
    }
    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Loose::Text(Cow::Owned(text)))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Loose::Signed(number))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Loose::Unsigned(number))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
        Ok(Loose::Float(number))
    }
    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        Ok(Loose::Flag(flag))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Composite("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Composite("an object"))
    }
}

/// A map key, borrowed when the input has no escapes in it.
pub(crate) struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string key")
    }
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(text)))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(text.to_owned())))
    }
    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(text)))
    }
}

/// `text.trim()`, with a fast answer for the usual text that starts and ends with an ASCII
/// character other than whitespace (no Unicode whitespace can then be at either end).
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&first), Some(&last))
            if (0x21..0x80).contains(&first) && (0x21..0x80).contains(&last) =>
        {
            text
        }
        _ => text.trim(),
    }
}

/// What a conversion says when the value does not fit.
pub(crate) type Misfit = String;

impl Loose<'_> {
    /// A short description of the value for messages: `string "abc"`, `number 7`, `an array`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Loose::Text(text) => {
                let shown: String = text.chars().take(40).collect();
                let ellipsis = if shown.len() < text.len() { "…" } else { "" };
                format!("string {shown:?}{ellipsis}")
            }
            Loose::Signed(number) => format!("number {number}"),
            Loose::Unsigned(number) => format!("number {number}"),
            Loose::Float(number) => format!("number {number}"),
            Loose::Flag(flag) => format!("boolean {flag}"),
            Loose::Null => "null".to_owned(),
            Loose::Composite(what) => (*what).to_owned(),
        }
    }

    fn expected(&self, what: &str) -> Misfit {
        format!("expected {what}, found {}", self.describe())
    }

    /// Text; numbers are accepted and written in decimal (MISP ids and some values are numbers
    /// in some exports). `null` is absent.
    pub(crate) fn into_text(self) -> Result<Option<String>, Misfit> {
        match self {
            Loose::Text(text) => Ok(Some(text.into_owned())),
            Loose::Signed(number) => Ok(Some(number.to_string())),
            Loose::Unsigned(number) => Ok(Some(number.to_string())),
            Loose::Float(number) => Ok(Some(number.to_string())),
            Loose::Null => Ok(None),
            other => Err(other.expected("a string")),
        }
    }

    /// Text like [`Loose::into_text`], but shared instead of allocated when `known` recognises
    /// it (MISP's attribute types and categories).
    pub(crate) fn into_known_text(
        self,
        known: fn(&str) -> Option<&'static str>,
    ) -> Result<Option<Cow<'static, str>>, Misfit> {
        if let Loose::Text(text) = &self
            && let Some(word) = known(text)
        {
            return Ok(Some(Cow::Borrowed(word)));
        }
        self.into_text().map(|text| text.map(Cow::Owned))
    }

    /// A boolean as MISP writes it: `true`, `1`, `"1"`, `"true"` (and the false forms).
    pub(crate) fn into_flag(self) -> Result<Option<bool>, Misfit> {
        match &self {
            Loose::Flag(flag) => Ok(Some(*flag)),
            Loose::Signed(0) | Loose::Unsigned(0) => Ok(Some(false)),
            Loose::Signed(1) | Loose::Unsigned(1) => Ok(Some(true)),
            Loose::Null => Ok(None),
            Loose::Text(text) => match trim(text) {
                "1" => Ok(Some(true)),
                "0" | "" => Ok(Some(false)),
                flag if flag.eq_ignore_ascii_case("true") => Ok(Some(true)),
                flag if flag.eq_ignore_ascii_case("false") => Ok(Some(false)),
                _ => Err(self.expected("a boolean (true, false, \"1\", \"0\")")),
            },
            _ => Err(self.expected("a boolean (true, false, \"1\", \"0\")")),
        }
    }

    /// A whole number, also as a decimal string (`"1790000000"`).
    pub(crate) fn into_integer(self) -> Result<Option<i64>, Misfit> {
        match &self {
            Loose::Signed(number) => Ok(Some(*number)),
            Loose::Unsigned(number) => i64::try_from(*number)
                .map(Some)
                .map_err(|_| self.expected("a whole number that fits in 64 bits")),
            Loose::Null => Ok(None),
            Loose::Text(text) => trim(text)
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.expected("a whole number")),
            _ => Err(self.expected("a whole number")),
        }
    }

    /// A scalar as JSON again (callers handle arrays and objects, which were skipped, first).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Loose::Text(text) => Value::String(text.into_owned()),
            Loose::Signed(number) => Value::from(number),
            Loose::Unsigned(number) => Value::from(number),
            Loose::Float(number) => Value::from(number),
            Loose::Flag(flag) => Value::Bool(flag),
            Loose::Null | Loose::Composite(_) => Value::Null,
        }
    }

    /// A UUID string.
    pub(crate) fn into_uuid(self) -> Result<Option<Uuid>, Misfit> {
        match &self {
            Loose::Null => Ok(None),
            Loose::Text(text) => trim(text)
                .parse::<Uuid>()
                .map(Some)
                .map_err(|error| error.to_string()),
            _ => Err(self.expected("a UUID string")),
        }
    }
}

/// Reads any JSON value into a `serde_json::Value`, for the fields kept as they are.
pub(crate) fn read_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Value, A::Error> {
    map.next_value::<Value>()
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn trim_agrees_with_str_trim() {
        for text in [
            "",
            " ",
            "x",
            " x",
            "x ",
            "\tx\n",
            "\u{a0}x",
            "x\u{3000}",
            "\u{85}",
            "é",
            "xé",
            "\u{1f}x\u{7f}",
            "5f1b7b9e-0c8a-4c2e-9a51-6f3d2b1c0a99",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }
}
