//! What the parser says back: a fatal [`FileError`] or a non-fatal [`FileWarning`], both naming
//! the file and the field.
//!
//! Key decision: one error shape for every failure — syntax, a bad value, a rule between fields,
//! a broken cross-reference — rendered like a compiler diagnostic
//! (`incident.toml:14:8: items[2].kind: …`), so a responder editing the file by hand under
//! pressure always gets the place and what was expected, whatever stage found the problem.

use std::fmt;

use kyoyu_model::{Lang, Localized};

/// Why an incident or profile file was rejected.
///
/// Displays as `FILE[:LINE[:COLUMN]]: [FIELD: ]MESSAGE`. Lines and columns count from 1;
/// columns count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    /// The file's name as it should be shown (usually the path the user typed).
    pub file: String,
    /// The field path, such as `items[2].kind` or `facts.personal_data`; `None` for a syntax
    /// error or a problem with the document as a whole.
    pub field: Option<String>,
    /// The line, when the format or a second look at the text gives one.
    pub line: Option<usize>,
    /// The column on that line.
    pub column: Option<usize>,
    /// What is wrong and what was expected, in Japanese and English (boxed: the error travels
    /// in every `Result` of the parser, and most of them are `Ok`).
    pub message: Box<Localized>,
}

impl FileError {
    /// An error without a position; `kyoyu-core` uses it for checks the pure parser cannot make
    /// (a sample path that does not exist).
    pub fn new(file: impl Into<String>, field: Option<String>, message: Localized) -> Self {
        FileError {
            file: file.into(),
            field,
            line: None,
            column: None,
            message: Box::new(message),
        }
    }

    /// The error as one line in the reader's language (`Display` is the English one).
    pub fn render(&self, lang: Lang) -> String {
        let mut out = self.file.clone();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
            if let Some(column) = self.column {
                out.push_str(&format!(":{column}"));
            }
        }
        out.push_str(": ");
        if let Some(field) = &self.field {
            out.push_str(field);
            out.push_str(": ");
        }
        out.push_str(self.message.get(lang));
        out
    }

    /// The same error at a line and column.
    pub fn at(mut self, position: Option<(usize, usize)>) -> Self {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.render(Lang::En))
    }
}

/// Something in the file that is allowed but probably not what the author meant (an unknown
/// sector name, no jurisdiction). Displays as `FILE: FIELD: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWarning {
    /// The file's name as it should be shown.
    pub file: String,
    /// The field path, such as `incident.sectors[1]`.
    pub field: String,
    /// What is odd and what it means for the assessment, in Japanese and English.
    pub message: Localized,
}

impl FileWarning {
    /// The warning as one line in the reader's language (`Display` is the English one).
    pub fn render(&self, lang: Lang) -> String {
        format!("{}: {}: {}", self.file, self.field, self.message.get(lang))
    }
}

impl fmt::Display for FileWarning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.render(Lang::En))
    }
}

/// The 1-based line and character column of a byte offset in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (index, character) in text.char_indices() {
        if index >= offset {
            break;
        }
        if character == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Converts serde_json's position (1-based line, byte column) into a character column.
pub(crate) fn json_position(text: &str, line: usize, byte_column: usize) -> Option<(usize, usize)> {
    if line == 0 {
        return None;
    }
    let Some(line_text) = text.split('\n').nth(line - 1) else {
        return Some((line, byte_column.max(1)));
    };
    let mut end = byte_column.min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    Some((line, line_text[..end].chars().count().max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "a = 1\nname = \"例示\"\nb = 2";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let after_name = text.find("\nb").expect("present");
        assert_eq!(line_column(text, after_name), (2, 12));
        assert_eq!(json_position("{\"a\": \"例\"}", 1, 11), Some((1, 9)));
        assert_eq!(json_position("", 0, 0), None);
    }

    #[test]
    fn errors_read_like_diagnostics() {
        let error = FileError::new(
            "incident.toml",
            Some("items[2].kind".to_owned()),
            Localized::new("不正", "bad"),
        )
        .at(Some((14, 8)));
        assert_eq!(error.to_string(), "incident.toml:14:8: items[2].kind: bad");
        assert_eq!(
            error.render(Lang::Ja),
            "incident.toml:14:8: items[2].kind: 不正"
        );
        let error = FileError::new("incident.json", None, Localized::new("不正", "bad"));
        assert_eq!(error.to_string(), "incident.json: bad");
    }
}
