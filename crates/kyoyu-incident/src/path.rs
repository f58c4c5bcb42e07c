//! Field paths such as `items[2].kind`: built by the conversion, read back from serde's path
//! tracking and from the model's check errors.
//!
//! Key decision: a path is a list of segments, not a string, so the same value both prints in
//! messages and steers the [`crate::locate`] walk that finds its line.

use std::fmt;

/// One step into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A table key / object member.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path from the document's root to a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// A path of one key.
    pub fn key(key: &str) -> Self {
        FieldPath(vec![Segment::Key(key.to_owned())])
    }

    /// `table[index]`.
    pub fn element(table: &str, index: usize) -> Self {
        FieldPath(vec![Segment::Key(table.to_owned()), Segment::Index(index)])
    }

    /// This path followed by a key.
    pub fn then(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        FieldPath(segments)
    }

    /// This path followed by an index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }

    /// Reads a path written as `items[3].id`; keys are taken up to the next `.` or `[`.
    pub fn parse(text: &str) -> Self {
        let mut segments = Vec::new();
        for part in text.split('.').filter(|part| !part.is_empty()) {
            let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
            if !key.is_empty() {
                segments.push(Segment::Key(key.to_owned()));
            }
            while let Some(inner) = rest.strip_prefix('[') {
                let Some((number, after)) = inner.split_once(']') else {
                    break;
                };
                match number.parse() {
                    Ok(index) => segments.push(Segment::Index(index)),
                    Err(_) => segments.push(Segment::Key(number.to_owned())),
                }
                rest = after;
            }
        }
        FieldPath(segments)
    }

    /// Reads serde_path_to_error's path, leaving out the TOML crate's private keys (datetimes
    /// and spans travel through serde as maps with `$__toml_private…` keys).
    pub fn from_tracked(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as Tracked;
        let segments = path
            .iter()
            .filter_map(|segment| match segment {
                Tracked::Seq { index } => Some(Segment::Index(*index)),
                Tracked::Map { key } if key.starts_with("$__") => None,
                Tracked::Map { key } => Some(Segment::Key(key.clone())),
                Tracked::Enum { variant } => Some(Segment::Key(variant.clone())),
                Tracked::Unknown => None,
            })
            .collect();
        FieldPath(segments)
    }

    /// The path without its last segment, if it has one.
    pub fn parent(&self) -> Option<FieldPath> {
        let (_, parent) = self.0.split_last()?;
        Some(FieldPath(parent.to_vec()))
    }

    /// `None` for the root, else the printed path.
    pub fn to_field(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.to_string())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if position == 0 => formatter.write_str(key)?,
                Segment::Key(key) => write!(formatter, ".{key}")?,
                Segment::Index(index) => write!(formatter, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_and_parse_back() {
        for text in ["items[3].id", "approvals[0].item", "facts", "a[1][2].b"] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
        let built = FieldPath::element("items", 2).then("cve");
        assert_eq!(built, FieldPath::parse("items[2].cve"));
        assert_eq!(built.parent(), Some(FieldPath::element("items", 2)));
        assert_eq!(FieldPath::default().to_field(), None);
    }
}
