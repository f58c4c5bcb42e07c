//! Finding the line of a field after the fact, for problems found once deserialization is over
//! (a field the item's kind does not take, a duplicate id, an approval naming no item).
//!
//! Key decision: rather than carry spans through every wire type (which `toml::Spanned` offers
//! for TOML only), the text is read a second time by a small serde visitor that walks to the
//! field and fails there on purpose. Each format's deserializer then stamps its own position on
//! that failure, exactly as it does for a real one, so both formats get lines by one mechanism,
//! and only on the error path. When the field is absent (a missing `obligation`), the walk
//! points at the first entry of the table that should have held it.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::Format;
use crate::error::{json_position, line_column};
use crate::path::{FieldPath, Segment};

/// The message of the deliberate failure; a real error never says this.
const HERE: &str = "kyoyu-incident: located";

/// The line and column of `path` in `text`, or of the first entry of its parent table when the
/// field itself is absent.
pub(crate) fn locate(text: &str, format: Format, path: &FieldPath) -> Option<(usize, usize)> {
    locate_exactly(text, format, &path.0).or_else(|| {
        let parent = path.parent()?;
        locate_exactly(text, format, &parent.0)
    })
}

fn locate_exactly(text: &str, format: Format, path: &[Segment]) -> Option<(usize, usize)> {
    let seed = Walk::Find(path);
    match format {
        Format::Toml => match seed.deserialize(toml::Deserializer::parse(text).ok()?) {
            Err(error) if error.message() == HERE => {
                error.span().map(|span| line_column(text, span.start))
            }
            _ => None,
        },
        Format::Json => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            match seed.deserialize(&mut deserializer) {
                Err(error) if error.to_string().starts_with(HERE) => {
                    json_position(text, error.line(), error.column())
                }
                _ => None,
            }
        }
    }
}

/// Walks toward a path (`Find`), or skips a value that is off the path (`Skip`).
#[derive(Clone, Copy)]
enum Walk<'path> {
    Find(&'path [Segment]),
    Skip,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self {
            Walk::Skip => deserializer.deserialize_ignored_any(IgnoredAny).map(|_| ()),
            Walk::Find(path) => deserializer.deserialize_any(Finder(path)),
        }
    }
}

/// The visitor at one point of the walk. An empty path means "this value is the target".
struct Finder<'path>(&'path [Segment]);

impl Finder<'_> {
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        if self.0.is_empty() {
            Err(E::custom(HERE))
        } else {
            // The path goes deeper than the document does: not found.
            Ok(())
        }
    }
}

macro_rules! scalar_visits {
    ($($method:ident($type:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, _value: $type) -> Result<(), E> {
            self.scalar()
        }
    )*};
}

impl<'de> Visitor<'de> for Finder<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any value")
    }

    scalar_visits! {
        visit_bool(bool), visit_i64(i64), visit_i128(i128), visit_u64(u64), visit_u128(u128),
        visit_f64(f64), visit_str(&str), visit_bytes(&[u8]),
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let wanted = match self.0.split_first() {
            // The target is this table: point at its first entry, where a reader looks first.
            None => None,
            Some((Segment::Key(key), rest)) => Some((key.as_str(), rest)),
            Some((Segment::Index(_), _)) => {
                return drain_map(map);
            }
        };
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            let seed = match wanted {
                None if first => Walk::Find(&[]),
                Some((wanted_key, rest)) if key == wanted_key => Walk::Find(rest),
                _ => Walk::Skip,
            };
            first = false;
            map.next_value_seed(seed)?;
        }
        if wanted.is_none() {
            return Err(de::Error::custom(HERE));
        }
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let wanted = match self.0.split_first() {
            None => Some((0, &[][..])),
            Some((Segment::Index(index), rest)) => Some((*index, rest)),
            Some((Segment::Key(_), _)) => None,
        };
        let mut position = 0;
        loop {
            let seed = match wanted {
                Some((index, rest)) if index == position => Walk::Find(rest),
                _ => Walk::Skip,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            position += 1;
        }
        if self.0.is_empty() {
            return Err(de::Error::custom(HERE));
        }
        Ok(())
    }
}

fn drain_map<'de, M: MapAccess<'de>>(mut map: M) -> Result<(), M::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = "[incident]\nid = \"x\"\n\n[[items]]\nid = \"a\"\nkind = \"ioc\"\n\n[[items]]\nid = \"b\"\n  cve = \"CVE-2026-0001\"\n";
    const JSON: &str = "{\n  \"items\": [\n    {\"id\": \"a\"},\n    {\"id\": \"b\",\n     \"cve\": \"CVE-2026-0001\"}\n  ]\n}";

    #[test]
    fn fields_are_found_in_both_formats() {
        let cve = FieldPath::parse("items[1].cve");
        assert_eq!(locate(TOML, Format::Toml, &cve), Some((10, 9)));
        assert_eq!(locate(JSON, Format::Json, &cve), Some((5, 27)));
        // An absent field points into its table: TOML at the last entry read (where the
        // table ends), JSON at the first.
        let missing = FieldPath::parse("items[1].obligation");
        assert_eq!(locate(TOML, Format::Toml, &missing), Some((10, 9)));
        assert_eq!(locate(JSON, Format::Json, &missing), Some((4, 14)));
        assert_eq!(
            locate(TOML, Format::Toml, &FieldPath::parse("nothing[3].here")),
            None
        );
    }
}
