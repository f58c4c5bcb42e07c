//! Streaming STIX bundle import and export.
//!
//! Key decision: the importer walks the bundle with a serde visitor and reads each element of
//! `objects` in one pass, straight from the input, with a reader that never fails on a value
//! of the wrong shape (see `capture`): an object that does not type (missing `id`, a property
//! of the wrong shape, not an object at all) becomes a [`Diagnostic`] with its path
//! (`objects[17]`) and the reader is already past it, so the rest is imported. Memory is one
//! object at a time, whatever the bundle's size. Only JSON that is not JSON (a syntax error)
//! stops the import, because after it there is no reliable place to resume.

use std::fmt;
use std::io::{Read, Write};

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::object::{ElementSeed, Identifier, StixObject};

/// Why a bundle could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input is not well-formed JSON (or the reader failed); nothing after this point could
    /// be read.
    #[error("bundle is not readable JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The top-level value is a JSON object whose `type` is not `bundle`.
    #[error("expected a STIX bundle (`\"type\": \"bundle\"`), found type {found:?}")]
    NotABundle {
        /// The `type` found, if any.
        found: Option<String>,
    },
    /// The bundle holds more objects than the caller accepts; reading stopped there.
    #[error("the bundle holds more than {limit} objects, the most accepted here")]
    TooManyObjects {
        /// The limit.
        limit: usize,
    },
}

/// Bounds on what one import may cost: objects read (beyond it the import stops with
/// [`ImportError::TooManyObjects`]) and diagnostics kept (beyond it they are only counted in
/// [`ImportReport::diagnostics_dropped`]). The default bounds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Most objects (readable or not) the bundle may hold.
    pub max_objects: usize,
    /// Most diagnostics kept.
    pub max_diagnostics: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_objects: usize::MAX,
            max_diagnostics: usize::MAX,
        }
    }
}

/// The message of the error that stops a bundle with too many objects (told apart from a JSON
/// error by it).
const TOO_MANY: &str = "kyoyu-stix: too many objects";

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing to the output failed.
    #[error("writing the bundle failed: {0}")]
    Io(#[from] std::io::Error),
    /// An object could not be serialized.
    #[error("serializing object {id} failed: {source}")]
    Serialize {
        /// The object's id.
        id: String,
        /// The serializer's error.
        source: serde_json::Error,
    },
}

/// What an import found besides the objects handed to the callback.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// The bundle's `id`, if it had one.
    pub bundle_id: Option<Identifier>,
    /// Objects handed to the callback.
    pub imported: usize,
    /// Objects that could not be read (each has a diagnostic).
    pub rejected: usize,
    /// One diagnostic per rejected object, plus any about the bundle itself (at most the
    /// limit's `max_diagnostics`).
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics beyond `max_diagnostics`, counted only.
    pub diagnostics_dropped: usize,
    /// Bundle-level properties other than `type`, `id` and `objects`, kept.
    pub extra: Map<String, Value>,
    /// Whether the bundle had an `objects` array.
    pub objects_seen: bool,
}

/// Imports a bundle from a reader, one object at a time. Buffer the reader (`BufReader`) for
/// speed; memory use does not grow with the bundle.
pub fn import_bundle<R: Read, F: FnMut(StixObject)>(
    reader: R,
    on_object: F,
) -> Result<ImportReport, ImportError> {
    import_bundle_limited(reader, ImportLimits::default(), on_object)
}

/// [`import_bundle`] within `limits`: an untrusted bundle cannot make the import read more
/// objects or keep more diagnostics than the caller accepts.
pub fn import_bundle_limited<R: Read, F: FnMut(StixObject)>(
    reader: R,
    limits: ImportLimits,
    on_object: F,
) -> Result<ImportReport, ImportError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    run_import(&mut de, limits, on_object)
}

/// Imports a bundle that is already in memory (faster than a reader: no per-byte IO calls).
pub fn import_bundle_slice<F: FnMut(StixObject)>(
    bytes: &[u8],
    on_object: F,
) -> Result<ImportReport, ImportError> {
    // Valid UTF-8 (the normal case) is checked once for the whole input, which is much faster
    // than serde_json checking every string it reads; otherwise the slice reader finds the
    // first bad string exactly where it did before (objects before it are imported).
    match std::str::from_utf8(bytes) {
        Ok(text) => run_import(
            &mut serde_json::Deserializer::from_str(text),
            ImportLimits::default(),
            on_object,
        ),
        Err(_) => run_import(
            &mut serde_json::Deserializer::from_slice(bytes),
            ImportLimits::default(),
            on_object,
        ),
    }
}

fn run_import<'de, R: serde_json::de::Read<'de>, F: FnMut(StixObject)>(
    de: &mut serde_json::Deserializer<R>,
    limits: ImportLimits,
    mut on_object: F,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut found_type: Option<String> = None;
    let seed = BundleSeed::<F> {
        on_object: &mut on_object,
        report: &mut report,
        found_type: &mut found_type,
        limits,
    };
    if let Err(error) = seed.deserialize(&mut *de) {
        if error.to_string().starts_with(TOO_MANY) {
            return Err(ImportError::TooManyObjects {
                limit: limits.max_objects,
            });
        }
        return Err(error.into());
    }
    de.end()?;
    match found_type.as_deref() {
        Some("bundle") => {}
        // Some published bundles (the TLP 2.0 extension definition among them) omit `type`;
        // an `objects` array is enough to read them, with a warning.
        None if report.objects_seen => report.diagnostics.push(Diagnostic::warning(
            "type",
            "bundle has no `type` property (expected \"bundle\")",
        )),
        _ => return Err(ImportError::NotABundle { found: found_type }),
    }
    Ok(report)
}

struct BundleSeed<'a, F> {
    on_object: &'a mut F,
    report: &'a mut ImportReport,
    found_type: &'a mut Option<String>,
    limits: ImportLimits,
}

impl<'de, F: FnMut(StixObject)> DeserializeSeed<'de> for BundleSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(StixObject)> Visitor<'de> for BundleSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a STIX bundle (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => *self.found_type = Some(map.next_value()?),
                "id" => self.report.bundle_id = Some(map.next_value()?),
                "objects" => {
                    self.report.objects_seen = true;
                    map.next_value_seed(ObjectsSeed::<F> {
                        on_object: &mut *self.on_object,
                        report: &mut *self.report,
                        limits: self.limits,
                    })?
                }
                _ => {
                    let value: Value = map.next_value()?;
                    self.report.extra.insert(key, value);
                }
            }
        }
        Ok(())
    }
}

struct ObjectsSeed<'a, F> {
    on_object: &'a mut F,
    report: &'a mut ImportReport,
    limits: ImportLimits,
}

impl<'de, F: FnMut(StixObject)> DeserializeSeed<'de> for ObjectsSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(StixObject)> Visitor<'de> for ObjectsSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bundle's `objects` array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(element) = seq.next_element_seed(ElementSeed)? {
            if index >= self.limits.max_objects {
                return Err(serde::de::Error::custom(TOO_MANY));
            }
            match element {
                Ok(object) => {
                    self.report.imported += 1;
                    (self.on_object)(object);
                }
                Err(problem) => {
                    self.report.rejected += 1;
                    let mut diagnostic = Diagnostic::error(
                        format!("objects[{index}]"),
                        format!("not a readable STIX object: {}", problem.message),
                    );
                    if let Some(id) = problem.object_id {
                        diagnostic = diagnostic.with_object_id(id);
                    }
                    if self.report.diagnostics.len() < self.limits.max_diagnostics {
                        self.report.diagnostics.push(diagnostic);
                    } else {
                        self.report.diagnostics_dropped += 1;
                    }
                }
            }
            index += 1;
        }
        Ok(())
    }
}

/// Writes a bundle one object at a time: `new` writes the head, `write_object` each object,
/// `finish` the tail. Nothing is buffered beyond the writer's own buffer.
pub struct BundleWriter<W: Write> {
    writer: W,
    written: usize,
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle with `bundle_id` (`bundle--<uuid>`).
    pub fn new(mut writer: W, bundle_id: &Identifier) -> Result<Self, ExportError> {
        writer.write_all(b"{\"type\":\"bundle\",\"id\":")?;
        serde_json::to_writer(&mut writer, bundle_id).map_err(|source| ExportError::Serialize {
            id: bundle_id.to_string(),
            source,
        })?;
        writer.write_all(b",\"objects\":[")?;
        Ok(Self { writer, written: 0 })
    }

    /// Appends one object.
    pub fn write_object(&mut self, object: &StixObject) -> Result<(), ExportError> {
        if self.written > 0 {
            self.writer.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.writer, object).map_err(|source| {
            ExportError::Serialize {
                id: object.id.to_string(),
                source,
            }
        })?;
        self.written += 1;
        Ok(())
    }

    /// Objects written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Closes the bundle and hands the writer back (flushed).
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.writer.write_all(b"]}")?;
        self.writer.flush()?;
        Ok(self.writer)
    }
}

/// Reads a whole bundle into memory (convenience for small bundles and tests).
pub fn read_bundle_slice(bytes: &[u8]) -> Result<(Vec<StixObject>, ImportReport), ImportError> {
    let mut objects = Vec::new();
    let report = import_bundle_slice(bytes, |o| objects.push(o))?;
    Ok((objects, report))
}

/// Writes `objects` as one bundle into a `Vec<u8>`.
pub fn write_bundle_vec<'a>(
    bundle_id: &Identifier,
    objects: impl IntoIterator<Item = &'a StixObject>,
) -> Result<Vec<u8>, ExportError> {
    let mut writer = BundleWriter::new(Vec::new(), bundle_id)?;
    for object in objects {
        writer.write_object(object)?;
    }
    writer.finish()
}
