//! Lenient import: MISP event JSON text → [`Event`] plus [`Diagnostic`]s.
//!
//! Key decision: one pass over the text with hand-written serde visitors (no intermediate
//! `serde_json::Value` tree, no second parse), in which every element reports its own misfits.
//! An attribute, object, reference, tag, galaxy or cluster with a field that does not fit is
//! left out as a whole, with one diagnostic at its JSON path; an event-level field that does
//! not fit is left unset, with a diagnostic. Partial elements are never imported: an attribute
//! whose `distribution` could not be read must not travel as if it had none.
//! Only text that is not JSON at all, or whose root is not an event object, is an
//! [`ImportError`]. Nesting is bounded by serde_json's recursion limit, so no input can
//! overflow the stack.

use std::fmt;
use std::marker::PhantomData;

use chrono::NaiveDate;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::lenient::{Key, Loose, Misfit, read_value, trim};
use crate::wire::{
    Analysis, Attribute, Distribution, Event, Extra, Galaxy, GalaxyCluster, Object,
    ObjectReference, Organisation, Tag, ThreatLevel,
};

/// The result of a lenient import: the event and what was left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// Everything that could be read.
    pub event: Event,
    /// One entry per element left out or field left unset, in document order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One element left out, or one field left unset, during import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// JSON path of the element (`Event.Attribute[17]`, `Event.Object[2].Attribute[0]`).
    pub path: String,
    /// What was wrong, naming the field (`` `uuid`: expected a UUID …``).
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.path, self.message)
    }
}

/// The text could not be read as a MISP event at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON (or nested deeper than 128 levels).
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// JSON, but not a MISP event (`{"Event": {...}}` or a bare event object).
    #[error(
        "expected a MISP event object (`{{\"Event\": {{...}}}}` or the bare event), found {found}"
    )]
    NotAnEvent {
        /// What the root (or the `Event` member) was.
        found: String,
    },
}

/// Reads a MISP event from JSON text, wrapped (`{"Event": {...}}`) or bare.
///
/// Never panics. Elements that do not fit are left out and reported; see the module docs.
pub fn import_event(text: &str) -> Result<Imported, ImportError> {
    let mut diagnostics = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let outcome = DeserializeSeed::deserialize(
        RootSeed {
            diagnostics: &mut diagnostics,
        },
        &mut deserializer,
    )
    .and_then(|root| deserializer.end().map(|()| root));
    match outcome {
        Ok(Root::Event(event)) => Ok(Imported {
            event: *event,
            diagnostics,
        }),
        Ok(Root::NotAnEvent(found)) => Err(ImportError::NotAnEvent { found }),
        Err(error) => Err(ImportError::Syntax {
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        }),
    }
}

/// Where an element sits, rendered only when a diagnostic needs it.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root(&'static str),
    Field(&'p Path<'p>, &'static str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => formatter.write_str(name),
            Path::Field(parent, name) => {
                let parent_text = parent.to_string();
                if parent_text.is_empty() {
                    formatter.write_str(name)
                } else {
                    write!(formatter, "{parent_text}.{name}")
                }
            }
            Path::Index(parent, index) => write!(formatter, "{parent}[{index}]"),
        }
    }
}

/// The state one import threads through the visitors.
struct Context<'c> {
    diagnostics: &'c mut Vec<Diagnostic>,
}

impl Context<'_> {
    fn report(&mut self, path: &Path<'_>, message: String) {
        self.diagnostics.push(Diagnostic {
            path: path.to_string(),
            message,
        });
    }
}

/// A wire type read field by field.
trait Record: Default {
    /// Reads the value of `key`; a misfit is pushed onto `misfits`.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        context: &mut Context<'_>,
        path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error>;

    /// Checks what must be present once every field was read.
    fn check(&self, _misfits: &mut Vec<Misfit>) {}
}

/// Records a conversion's result, or its misfit under the field's name.
#[inline]
fn keep<T>(key: &str, result: Result<Option<T>, Misfit>, misfits: &mut Vec<Misfit>) -> Option<T> {
    match result {
        Ok(value) => value,
        Err(misfit) => {
            misfits.push(format!("`{key}`: {misfit}"));
            None
        }
    }
}

fn number_enum<T>(
    loose: Loose<'_>,
    from_number: fn(i64) -> Option<T>,
    range: &str,
) -> Result<Option<T>, Misfit> {
    // Fast path first: the description is only built for a misfit.
    let number = match &loose {
        Loose::Unsigned(number) => i64::try_from(*number).ok(),
        Loose::Signed(number) => Some(*number),
        Loose::Text(text) => trim(text).parse::<i64>().ok(),
        Loose::Null => return Ok(None),
        _ => None,
    };
    match number.and_then(from_number) {
        Some(value) => Ok(Some(value)),
        None => Err(format!(
            "expected one of {range}, found {}",
            loose.describe()
        )),
    }
}

fn date(loose: Loose<'_>) -> Result<Option<NaiveDate>, Misfit> {
    match &loose {
        Loose::Null => Ok(None),
        Loose::Text(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                format!(
                    "expected a date like 2026-11-22, found {}",
                    loose.describe()
                )
            }),
        _ => Err(format!(
            "expected a date like 2026-11-22, found {}",
            loose.describe()
        )),
    }
}

/// A local id: a whole number (also as a decimal string). Any other scalar is kept as it came
/// in `extra`, since the id of another instance means nothing here and must not cost the
/// element; an array or object is a misfit.
fn read_id(
    key: &str,
    loose: Loose<'_>,
    extra: &mut crate::wire::Extra,
    misfits: &mut Vec<Misfit>,
) -> Option<u64> {
    match loose {
        Loose::Unsigned(number) => Some(number),
        Loose::Text(ref text) if let Some(number) = decimal(text) => Some(number),
        Loose::Null => None,
        Loose::Composite(what) => {
            misfits.push(format!("`{key}`: expected a whole number, found {what}"));
            None
        }
        other => {
            extra.insert(key.to_owned(), other.into_value());
            None
        }
    }
}

/// [`read_id`] for an attribute, whose `extra` is allocated only when an id is kept there.
fn read_attribute_id(
    key: &str,
    loose: Loose<'_>,
    rare: &mut crate::wire::Rare,
    misfits: &mut Vec<Misfit>,
) -> Option<u64> {
    match loose {
        Loose::Unsigned(number) => Some(number),
        Loose::Text(ref text) if let Some(number) = decimal(text) => Some(number),
        Loose::Null | Loose::Composite(_) => read_id(key, loose, &mut Extra::new(), misfits),
        other => read_id(key, other, &mut rare.get_mut().extra, misfits),
    }
}

/// The whole number written in `text` with decimal digits only, if it fits in 64 bits.
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0u64, |number, byte| {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        number.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// MISP's attribute categories, shared instead of allocated per attribute.
const CATEGORIES: &[&str] = &[
    "Network activity",
    "Payload delivery",
    "External analysis",
    "Artifacts dropped",
    "Payload installation",
    "Persistence mechanism",
    "Internal reference",
    "Targeting data",
    "Antivirus detection",
    "Attribution",
    "Social network",
    "Person",
    "Financial fraud",
    "Support Tool",
    "Other",
];

fn known_category(text: &str) -> Option<&'static str> {
    CATEGORIES.iter().find(|known| **known == text).copied()
}

fn known_type(text: &str) -> Option<&'static str> {
    crate::mapping::AttributeKind::from_misp_type(text).map(|kind| kind.misp_type)
}

fn required_text(key: &str, value: &str, misfits: &mut Vec<Misfit>) {
    if value.is_empty() {
        misfits.push(format!("`{key}` is missing or empty"));
    }
}

macro_rules! field {
    ($map:ident, $misfits:ident, $key:ident, $conversion:ident) => {
        keep(
            $key,
            $map.next_value::<Loose<'de>>()?.$conversion(),
            $misfits,
        )
    };
}

impl Record for Event {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        context: &mut Context<'_>,
        path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "orgc_id" => self.orgc_id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "org_id" => self.org_id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "date" => self.date = keep(key, date(map.next_value()?), misfits),
            "threat_level_id" => {
                let loose = map.next_value()?;
                self.threat_level = keep(
                    key,
                    number_enum(loose, ThreatLevel::from_number, "1, 2, 3, 4"),
                    misfits,
                );
            }
            "info" => self.info = field!(map, misfits, key, into_text),
            "published" => self.published = field!(map, misfits, key, into_flag),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "attribute_count" => self.attribute_count = field!(map, misfits, key, into_integer),
            "analysis" => {
                let loose = map.next_value()?;
                self.analysis = keep(
                    key,
                    number_enum(loose, Analysis::from_number, "0, 1, 2"),
                    misfits,
                );
            }
            "timestamp" => self.timestamp = field!(map, misfits, key, into_integer),
            "distribution" => {
                let loose = map.next_value()?;
                self.distribution = keep(
                    key,
                    number_enum(loose, Distribution::from_number, "0 to 5"),
                    misfits,
                );
            }
            "publish_timestamp" => self.publish_timestamp = field!(map, misfits, key, into_integer),
            "sharing_group_id" => {
                self.sharing_group_id = read_id(key, map.next_value()?, &mut self.extra, misfits)
            }
            "disable_correlation" => {
                self.disable_correlation = field!(map, misfits, key, into_flag)
            }
            "extends_uuid" => self.extends_uuid = field!(map, misfits, key, into_text),
            "Org" => {
                self.org =
                    map.next_value_seed(RecordSeed::new(context, &Path::Field(path, "Org")))?
            }
            "Orgc" => {
                self.orgc =
                    map.next_value_seed(RecordSeed::new(context, &Path::Field(path, "Orgc")))?
            }
            "Tag" => {
                self.tags =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Tag")))?
            }
            "Galaxy" => {
                self.galaxies =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Galaxy")))?
            }
            "Attribute" => {
                self.attributes =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Attribute")))?;
            }
            "Object" => {
                self.objects =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Object")))?
            }
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }
}

impl Record for Attribute {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        context: &mut Context<'_>,
        path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_attribute_id(key, map.next_value()?, &mut self.rare, misfits),
            "event_id" => {
                self.event_id = read_attribute_id(key, map.next_value()?, &mut self.rare, misfits)
            }
            "object_id" => {
                self.object_id = read_attribute_id(key, map.next_value()?, &mut self.rare, misfits)
            }
            "object_relation" => self.object_relation = field!(map, misfits, key, into_text),
            "category" => {
                self.category = keep(
                    key,
                    map.next_value::<Loose<'de>>()?
                        .into_known_text(known_category),
                    misfits,
                )
            }
            "type" => {
                self.attribute_type = keep(
                    key,
                    map.next_value::<Loose<'de>>()?.into_known_text(known_type),
                    misfits,
                )
                .unwrap_or_default()
            }
            "value" => self.value = field!(map, misfits, key, into_text).unwrap_or_default(),
            "to_ids" => self.to_ids = field!(map, misfits, key, into_flag),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "timestamp" => self.timestamp = field!(map, misfits, key, into_integer),
            "distribution" => {
                let loose = map.next_value()?;
                self.distribution = keep(
                    key,
                    number_enum(loose, Distribution::from_number, "0 to 5"),
                    misfits,
                );
            }
            "sharing_group_id" => {
                self.sharing_group_id =
                    read_attribute_id(key, map.next_value()?, &mut self.rare, misfits)
            }
            "comment" => self.comment = field!(map, misfits, key, into_text),
            "deleted" => self.deleted = field!(map, misfits, key, into_flag),
            "disable_correlation" => {
                self.disable_correlation = field!(map, misfits, key, into_flag)
            }
            "first_seen" => self.set_first_seen(field!(map, misfits, key, into_text)),
            "last_seen" => self.set_last_seen(field!(map, misfits, key, into_text)),
            "Tag" => {
                self.tags =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Tag")))?
            }
            "Galaxy" => {
                let galaxies =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Galaxy")))?;
                self.set_galaxies(galaxies);
            }
            _ => {
                let value = read_value(map)?;
                self.extra_mut().insert(key.to_owned(), value);
            }
        }
        Ok(())
    }

    fn check(&self, misfits: &mut Vec<Misfit>) {
        required_text("type", &self.attribute_type, misfits);
        required_text("value", &self.value, misfits);
    }
}

impl Record for Object {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        context: &mut Context<'_>,
        path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "name" => self.name = field!(map, misfits, key, into_text).unwrap_or_default(),
            "meta-category" => self.meta_category = field!(map, misfits, key, into_text),
            "description" => self.description = field!(map, misfits, key, into_text),
            "template_uuid" => self.template_uuid = field!(map, misfits, key, into_text),
            "template_version" => self.template_version = field!(map, misfits, key, into_text),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "timestamp" => self.timestamp = field!(map, misfits, key, into_integer),
            "distribution" => {
                let loose = map.next_value()?;
                self.distribution = keep(
                    key,
                    number_enum(loose, Distribution::from_number, "0 to 5"),
                    misfits,
                );
            }
            "sharing_group_id" => {
                self.sharing_group_id = read_id(key, map.next_value()?, &mut self.extra, misfits)
            }
            "comment" => self.comment = field!(map, misfits, key, into_text),
            "deleted" => self.deleted = field!(map, misfits, key, into_flag),
            "first_seen" => self.first_seen = field!(map, misfits, key, into_text),
            "last_seen" => self.last_seen = field!(map, misfits, key, into_text),
            "Attribute" => {
                self.attributes =
                    map.next_value_seed(ListSeed::new(context, &Path::Field(path, "Attribute")))?;
            }
            "ObjectReference" => {
                self.references = map.next_value_seed(ListSeed::new(
                    context,
                    &Path::Field(path, "ObjectReference"),
                ))?;
            }
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }

    fn check(&self, misfits: &mut Vec<Misfit>) {
        required_text("name", &self.name, misfits);
    }
}

impl Record for ObjectReference {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _context: &mut Context<'_>,
        _path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "object_uuid" => self.object_uuid = field!(map, misfits, key, into_uuid),
            "referenced_uuid" => self.referenced_uuid = field!(map, misfits, key, into_uuid),
            "relationship_type" => {
                self.relationship_type = field!(map, misfits, key, into_text).unwrap_or_default()
            }
            "comment" => self.comment = field!(map, misfits, key, into_text),
            "timestamp" => self.timestamp = field!(map, misfits, key, into_integer),
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }

    fn check(&self, misfits: &mut Vec<Misfit>) {
        if self.referenced_uuid.is_none() && misfits.is_empty() {
            misfits.push("`referenced_uuid` is missing".to_owned());
        }
        required_text("relationship_type", &self.relationship_type, misfits);
    }
}

impl Record for Tag {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _context: &mut Context<'_>,
        _path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "name" => self.name = field!(map, misfits, key, into_text).unwrap_or_default(),
            "colour" => self.colour = field!(map, misfits, key, into_text),
            "exportable" => self.exportable = field!(map, misfits, key, into_flag),
            "local" => self.local = field!(map, misfits, key, into_flag),
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }

    fn check(&self, misfits: &mut Vec<Misfit>) {
        required_text("name", &self.name, misfits);
    }
}

impl Record for Galaxy {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        context: &mut Context<'_>,
        path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "name" => self.name = field!(map, misfits, key, into_text),
            "type" => self.galaxy_type = field!(map, misfits, key, into_text),
            "description" => self.description = field!(map, misfits, key, into_text),
            "namespace" => self.namespace = field!(map, misfits, key, into_text),
            "GalaxyCluster" => {
                self.clusters = map
                    .next_value_seed(ListSeed::new(context, &Path::Field(path, "GalaxyCluster")))?;
            }
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }
}

impl Record for GalaxyCluster {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _context: &mut Context<'_>,
        _path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "type" => self.cluster_type = field!(map, misfits, key, into_text),
            "value" => self.value = field!(map, misfits, key, into_text).unwrap_or_default(),
            "tag_name" => self.tag_name = field!(map, misfits, key, into_text),
            "description" => self.description = field!(map, misfits, key, into_text),
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }

    fn check(&self, misfits: &mut Vec<Misfit>) {
        required_text("value", &self.value, misfits);
    }
}

impl Record for Organisation {
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _context: &mut Context<'_>,
        _path: &Path<'_>,
        misfits: &mut Vec<Misfit>,
    ) -> Result<(), A::Error> {
        match key {
            "id" => self.id = read_id(key, map.next_value()?, &mut self.extra, misfits),
            "name" => self.name = field!(map, misfits, key, into_text),
            "uuid" => self.uuid = field!(map, misfits, key, into_uuid),
            "local" => self.local = field!(map, misfits, key, into_flag),
            _ => {
                self.extra.insert(key.to_owned(), read_value(map)?);
            }
        }
        Ok(())
    }
}

/// Reads all entries of a map into `record`; returns the misfits.
fn read_entries<'de, A: MapAccess<'de>, R: Record>(
    record: &mut R,
    map: &mut A,
    context: &mut Context<'_>,
    path: &Path<'_>,
) -> Result<Vec<Misfit>, A::Error> {
    let mut misfits = Vec::new();
    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
        record.read_field(&key, map, context, path, &mut misfits)?;
    }
    record.check(&mut misfits);
    Ok(misfits)
}

/// One element: `Some` when it fits completely, `None` (and a diagnostic) otherwise.
struct RecordSeed<'a, 'c, 'p, R> {
    context: &'a mut Context<'c>,
    path: &'a Path<'p>,
    record: PhantomData<R>,
}

impl<'a, 'c, 'p, R> RecordSeed<'a, 'c, 'p, R> {
    fn new(context: &'a mut Context<'c>, path: &'a Path<'p>) -> Self {
        RecordSeed {
            context,
            path,
            record: PhantomData,
        }
    }
}

impl<'de, R: Record> DeserializeSeed<'de> for RecordSeed<'_, '_, '_, R> {
    type Value = Option<R>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Record> Visitor<'de> for RecordSeed<'_, '_, '_, R> {
    type Value = Option<R>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut record = R::default();
        let misfits = read_entries(&mut record, &mut map, self.context, self.path)?;
        if misfits.is_empty() {
            Ok(Some(record))
        } else {
            let message = format!("left out: {}", misfits.join("; "));
            self.context.report(self.path, message);
            Ok(None)
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        // `"Org": null` is an absent organisation, not a broken one.
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.context.report(
            self.path,
            "left out: expected an object, found an array".to_owned(),
        );
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Flag(flag))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Signed(number))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Unsigned(number))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Float(number))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Text(text.into()))
    }
}

impl<R> RecordSeed<'_, '_, '_, R> {
    fn not_an_object<E>(self, found: &Loose<'_>) -> Result<Option<R>, E> {
        let message = format!("left out: expected an object, found {}", found.describe());
        self.context.report(self.path, message);
        Ok(None)
    }
}

/// A list of elements; the ones that do not fit are left out and reported.
struct ListSeed<'a, 'c, 'p, R> {
    context: &'a mut Context<'c>,
    path: &'a Path<'p>,
    record: PhantomData<R>,
}

impl<'a, 'c, 'p, R> ListSeed<'a, 'c, 'p, R> {
    fn new(context: &'a mut Context<'c>, path: &'a Path<'p>) -> Self {
        ListSeed {
            context,
            path,
            record: PhantomData,
        }
    }
}

impl<'de, R: Record> DeserializeSeed<'de> for ListSeed<'_, '_, '_, R> {
    type Value = Vec<R>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Record> Visitor<'de> for ListSeed<'_, '_, '_, R> {
    type Value = Vec<R>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut elements: Vec<R> = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut index = 0;
        loop {
            // Each element is read straight into its slot at the end of the list (wire types
            // are a few hundred bytes; moving each one twice showed in profiles) and taken off
            // again when it does not fit or the list ended.
            elements.push(R::default());
            let path = Path::Index(self.path, index);
            let Some(target) = elements.last_mut() else {
                break;
            };
            let seed = InPlaceSeed {
                context: &mut *self.context,
                path: &path,
                target,
            };
            match seq.next_element_seed(seed)? {
                Some(true) => {}
                Some(false) => {
                    elements.pop();
                }
                None => {
                    elements.pop();
                    break;
                }
            }
            index += 1;
        }
        Ok(elements)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // MISP writes a single element as an object in a few places (`"Tag": {...}`); read it
        // as a list of one.
        let mut record = R::default();
        let misfits = read_entries(&mut record, &mut map, self.context, self.path)?;
        if misfits.is_empty() {
            Ok(vec![record])
        } else {
            let message = format!("left out: {}", misfits.join("; "));
            self.context.report(self.path, message);
            Ok(Vec::new())
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        self.not_a_list(&Loose::Flag(flag))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        self.not_a_list(&Loose::Signed(number))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        self.not_a_list(&Loose::Unsigned(number))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
        self.not_a_list(&Loose::Float(number))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        self.not_a_list(&Loose::Text(text.into()))
    }
}

impl<R> ListSeed<'_, '_, '_, R> {
    fn not_a_list<E>(self, found: &Loose<'_>) -> Result<Vec<R>, E> {
        let message = format!("left out: expected an array, found {}", found.describe());
        self.context.report(self.path, message);
        Ok(Vec::new())
    }
}

/// One list element read into a slot the list already holds; `true` when it fits completely.
struct InPlaceSeed<'a, 'c, 'p, R> {
    context: &'a mut Context<'c>,
    path: &'a Path<'p>,
    target: &'a mut R,
}

impl<'de, R: Record> DeserializeSeed<'de> for InPlaceSeed<'_, '_, '_, R> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Record> Visitor<'de> for InPlaceSeed<'_, '_, '_, R> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let misfits = read_entries(self.target, &mut map, self.context, self.path)?;
        if misfits.is_empty() {
            Ok(true)
        } else {
            let message = format!("left out: {}", misfits.join("; "));
            self.context.report(self.path, message);
            Ok(false)
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_an_object(&Loose::Composite("an array"))
    }
    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Flag(flag))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Signed(number))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Unsigned(number))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Float(number))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        self.not_an_object(&Loose::Text(text.into()))
    }
}

impl<R> InPlaceSeed<'_, '_, '_, R> {
    fn not_an_object<E>(self, found: &Loose<'_>) -> Result<bool, E> {
        let message = format!("left out: expected an object, found {}", found.describe());
        self.context.report(self.path, message);
        Ok(false)
    }
}

/// What the root held.
enum Root {
    Event(Box<Event>),
    NotAnEvent(String),
}

struct RootSeed<'c> {
    diagnostics: &'c mut Vec<Diagnostic>,
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_> {
    type Value = Root;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_> {
    type Value = Root;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a MISP event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut context = Context {
            diagnostics: self.diagnostics,
        };
        let Some(Key(first_key)) = map.next_key::<Key<'de>>()? else {
            return Ok(Root::NotAnEvent("an empty object".to_owned()));
        };
        if first_key == "Event" {
            let path = Path::Root("Event");
            let event = map.next_value_seed(EventSeed {
                context: &mut context,
                path: &path,
            })?;
            while let Some((Key(key), _)) = map.next_entry::<Key<'de>, IgnoredAny>()? {
                let message =
                    format!("ignored: `{key}` next to `Event` is not part of a MISP event");
                context.report(&Path::Root(""), message);
            }
            return Ok(match event {
                Ok(event) => Root::Event(Box::new(event)),
                Err(found) => Root::NotAnEvent(found),
            });
        }
        // The bare form: the root object is the event itself.
        let path = Path::Root("");
        let mut event = Event::default();
        let mut misfits = Vec::new();
        event.read_field(&first_key, &mut map, &mut context, &path, &mut misfits)?;
        misfits.extend(read_entries(&mut event, &mut map, &mut context, &path)?);
        report_event_misfits(&mut context, &path, misfits);
        Ok(Root::Event(Box::new(event)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Root::NotAnEvent("an array".to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Root::NotAnEvent("null".to_owned()))
    }
    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        Ok(Root::NotAnEvent(Loose::Flag(flag).describe()))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Root::NotAnEvent(Loose::Signed(number).describe()))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Root::NotAnEvent(Loose::Unsigned(number).describe()))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
        Ok(Root::NotAnEvent(Loose::Float(number).describe()))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Root::NotAnEvent(Loose::Text(text.into()).describe()))
    }
}

/// Event-level misfits leave the field unset and are reported one by one.
fn report_event_misfits(context: &mut Context<'_>, path: &Path<'_>, misfits: Vec<Misfit>) {
    let shown = match path.to_string() {
        text if text.is_empty() => "(event)".to_owned(),
        text => text,
    };
    for misfit in misfits {
        context.diagnostics.push(Diagnostic {
            path: shown.clone(),
            message: format!("left unset: {misfit}"),
        });
    }
}

/// The value of `"Event"`: an event object, or what it was instead.
struct EventSeed<'a, 'c, 'p> {
    context: &'a mut Context<'c>,
    path: &'a Path<'p>,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_, '_, '_> {
    type Value = Result<Event, String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_, '_, '_> {
    type Value = Result<Event, String>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut event = Event::default();
        let misfits = read_entries(&mut event, &mut map, self.context, self.path)?;
        report_event_misfits(self.context, self.path, misfits);
        Ok(Ok(event))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("an array under `Event`".to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null under `Event`".to_owned()))
    }
    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
        Ok(Err(format!(
            "{} under `Event`",
            Loose::Flag(flag).describe()
        )))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Err(format!(
            "{} under `Event`",
            Loose::Signed(number).describe()
        )))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Err(format!(
            "{} under `Event`",
            Loose::Unsigned(number).describe()
        )))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
        Ok(Err(format!(
            "{} under `Event`",
            Loose::Float(number).describe()
        )))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Err(format!(
            "{} under `Event`",
            Loose::Text(text.into()).describe()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimal_reads_only_plain_digits_that_fit() {
        assert_eq!(decimal("0"), Some(0));
        assert_eq!(decimal("0042"), Some(42));
        assert_eq!(decimal("18446744073709551615"), Some(u64::MAX));
        for text in [
            "",
            "18446744073709551616",
            "12a",
            "+1",
            "-1",
            " 1",
            "1.0",
            "１",
        ] {
            assert_eq!(decimal(text), None, "{text:?}");
        }
    }
}
