//! Diagnostics: what is wrong with a piece of input and where (a JSON path such as
//! `objects[17].created`).
//!
//! Key decision: import and validation never fail outright on a bad object; they return values
//! of this type and carry on, so one bad object never costs the rest of a bundle.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The object breaks a MUST of the specification (or could not be read at all).
    Error,
    /// The object is readable and usable but breaks a SHOULD or looks wrong.
    Warning,
}

/// One finding about the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// JSON path of the offending value, e.g. `objects[17]` or `objects[3].modified`.
    pub path: String,
    /// The object's `id` when it could be read.
    pub object_id: Option<String>,
    /// What is wrong, as a sentence fragment naming what was expected.
    pub message: String,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: path.into(),
            object_id: None,
            message: message.into(),
        }
    }

    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(path, message)
        }
    }

    /// The same diagnostic, naming the object it is about.
    pub fn with_object_id(mut self, id: impl Into<String>) -> Self {
        self.object_id = Some(id.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level} at {}", self.path)?;
        if let Some(id) = &self.object_id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.message)
    }
}
