//! The MISP event JSON wire types: event, attribute, object, object reference, tag, galaxy,
//! galaxy cluster, organisation.
//!
//! Key decision: every type has typed fields for what kyoyu reads and an `extra` map for
//! everything else, written back after the typed fields in key order, so an event survives an
//! import and export without loss and the output is byte-for-byte deterministic. Optional fields
//! stay `None` when absent and are then not written. Numbers and booleans are written the way
//! PyMISP 2.5 writes them: ids, timestamps, `distribution`, `threat_level_id` and `analysis` as
//! decimal strings, flags as JSON booleans. Local ids are whole numbers (MISP's database keys);
//! an id that is not one is kept as it came in `extra`. The attribute type and category are
//! `Cow<'static, str>` so the common ones are not allocated once per attribute.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::Tlp;
use crate::tags::{AttackPatternRef, MachineTag, strictest_tlp};
use crate::uuid::Uuid;

/// Fields this crate does not model, kept as they came.
pub type Extra = BTreeMap<String, Value>;

/// A MISP event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Event {
    /// The local numeric id on the MISP instance that exported it (`"1"`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// Local id of the creating organisation.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub orgc_id: Option<u64>,
    /// Local id of the owning organisation.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub org_id: Option<u64>,
    /// The event's date (`2026-11-22`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_date")]
    pub date: Option<NaiveDate>,
    /// `threat_level_id`.
    #[serde(rename = "threat_level_id", skip_serializing_if = "Option::is_none")]
    pub threat_level: Option<ThreatLevel>,
    /// The event's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Whether the event was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// The event's UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// `attribute_count` as the exporting instance counted it.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "write_decimal"
    )]
    pub attribute_count: Option<i64>,
    /// Analysis state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// Last change, seconds since the Unix epoch.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "write_decimal"
    )]
    pub timestamp: Option<i64>,
    /// Who may see the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    /// Publication time, seconds since the Unix epoch.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "write_decimal"
    )]
    pub publish_timestamp: Option<i64>,
    /// Local id of the sharing group when `distribution` is 4.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub sharing_group_id: Option<u64>,
    /// Whether correlation is disabled for the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_correlation: Option<bool>,
    /// UUID of the event this one extends (MISP writes `""` for none, kept as text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends_uuid: Option<String>,
    /// The owning organisation.
    #[serde(rename = "Org", skip_serializing_if = "Option::is_none")]
    pub org: Option<Organisation>,
    /// The creating organisation.
    #[serde(rename = "Orgc", skip_serializing_if = "Option::is_none")]
    pub orgc: Option<Organisation>,
    /// Event-level tags (`tlp:…`, `PAP:…`, galaxy tags, free tags).
    #[serde(rename = "Tag", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Attached galaxies with their clusters (ATT&CK techniques among them).
    #[serde(rename = "Galaxy", skip_serializing_if = "Vec::is_empty")]
    pub galaxies: Vec<Galaxy>,
    /// The event's attributes outside objects.
    #[serde(rename = "Attribute", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// The event's objects.
    #[serde(rename = "Object", skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Object>,
    /// Everything else (`SharingGroup`, `RelatedEvent`, `EventReport`, …), kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A MISP attribute, at event level or inside an object.
///
/// The fields real events seldom carry (`first_seen`, `last_seen`, `Galaxy`, unknown fields)
/// live in [`Attribute::rare`], allocated only when one of them is present, which keeps an
/// attribute small (an event of 100,000 attributes is mostly attributes). Serialised in the
/// order of the fields as listed, with the rare ones in their MISP places.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attribute {
    /// Local numeric id.
    pub id: Option<u64>,
    /// Local id of the event.
    pub event_id: Option<u64>,
    /// Local id of the object holding it (`"0"` when none).
    pub object_id: Option<u64>,
    /// The attribute's role inside its object (`sha256`, `filename`).
    pub object_relation: Option<String>,
    /// MISP category (`Network activity`, `Payload delivery`, …).
    pub category: Option<Cow<'static, str>>,
    /// MISP attribute type (`ip-dst`, `filename|sha256`); see [`crate::mapping`].
    pub attribute_type: Cow<'static, str>,
    /// The value; composite types hold both parts joined by `|`.
    pub value: String,
    /// Whether the attribute is meant for detection.
    pub to_ids: Option<bool>,
    /// The attribute's UUID.
    pub uuid: Option<Uuid>,
    /// Last change, seconds since the Unix epoch.
    pub timestamp: Option<i64>,
    /// Who may see the attribute.
    pub distribution: Option<Distribution>,
    /// Local id of the sharing group when `distribution` is 4.
    pub sharing_group_id: Option<u64>,
    /// Free-text comment.
    pub comment: Option<String>,
    /// Soft-deleted on the exporting instance.
    pub deleted: Option<bool>,
    /// Whether correlation is disabled for the attribute.
    pub disable_correlation: Option<bool>,
    /// Attribute-level tags.
    pub tags: Vec<Tag>,
    /// The seldom present fields: first and last sighting, galaxies, unknown fields.
    pub rare: Rare,
}

/// The fields of an [`Attribute`] that real events seldom carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributeRare {
    /// First sighting as MISP wrote it (ISO 8601 with microseconds), kept as text.
    pub first_seen: Option<String>,
    /// Last sighting as MISP wrote it, kept as text.
    pub last_seen: Option<String>,
    /// Attribute-level galaxies.
    pub galaxies: Vec<Galaxy>,
    /// Everything else, kept as it came.
    pub extra: Extra,
}

static NO_RARE: AttributeRare = AttributeRare {
    first_seen: None,
    last_seen: None,
    galaxies: Vec::new(),
    extra: BTreeMap::new(),
};

impl AttributeRare {
    /// Whether none of the fields is present.
    pub fn is_empty(&self) -> bool {
        self.first_seen.is_none()
            && self.last_seen.is_none()
            && self.galaxies.is_empty()
            && self.extra.is_empty()
    }
}

/// The rare fields of an [`Attribute`], boxed and allocated only when one is present. Absent
/// and present-but-empty compare equal.
#[derive(Clone, Default)]
pub struct Rare(Option<Box<AttributeRare>>);

impl Rare {
    /// The fields, boxed only when one is present.
    pub fn new(rare: AttributeRare) -> Self {
        if rare.is_empty() {
            Rare(None)
        } else {
            Rare(Some(Box::new(rare)))
        }
    }

    /// The fields (all absent when none was ever set).
    pub fn get(&self) -> &AttributeRare {
        self.0.as_deref().unwrap_or(&NO_RARE)
    }

    /// The fields for changing, allocated on first use.
    pub fn get_mut(&mut self) -> &mut AttributeRare {
        self.0.get_or_insert_default()
    }
}

impl From<AttributeRare> for Rare {
    fn from(rare: AttributeRare) -> Self {
        Rare::new(rare)
    }
}

impl PartialEq for Rare {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for Rare {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(formatter)
    }
}

/// A number written as a decimal string, the way PyMISP writes ids and timestamps.
struct DecimalText<T>(T);

impl<T: std::fmt::Display> Serialize for DecimalText<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl Serialize for Attribute {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rare = self.rare.get();
        let mut map = serializer.serialize_map(None)?;
        if let Some(id) = self.id {
            map.serialize_entry("id", &DecimalText(id))?;
        }
        if let Some(event_id) = self.event_id {
            map.serialize_entry("event_id", &DecimalText(event_id))?;
        }
        if let Some(object_id) = self.object_id {
            map.serialize_entry("object_id", &DecimalText(object_id))?;
        }
        if let Some(object_relation) = &self.object_relation {
            map.serialize_entry("object_relation", object_relation)?;
        }
        if let Some(category) = &self.category {
            map.serialize_entry("category", category)?;
        }
        map.serialize_entry("type", &self.attribute_type)?;
        map.serialize_entry("value", &self.value)?;
        if let Some(to_ids) = &self.to_ids {
            map.serialize_entry("to_ids", to_ids)?;
        }
        if let Some(uuid) = &self.uuid {
            map.serialize_entry("uuid", uuid)?;
        }
        if let Some(timestamp) = self.timestamp {
            map.serialize_entry("timestamp", &DecimalText(timestamp))?;
        }
        if let Some(distribution) = &self.distribution {
            map.serialize_entry("distribution", distribution)?;
        }
        if let Some(sharing_group_id) = self.sharing_group_id {
            map.serialize_entry("sharing_group_id", &DecimalText(sharing_group_id))?;
        }
        if let Some(comment) = &self.comment {
            map.serialize_entry("comment", comment)?;
        }
        if let Some(deleted) = &self.deleted {
            map.serialize_entry("deleted", deleted)?;
        }
        if let Some(disable_correlation) = &self.disable_correlation {
            map.serialize_entry("disable_correlation", disable_correlation)?;
        }
        if let Some(first_seen) = &rare.first_seen {
            map.serialize_entry("first_seen", first_seen)?;
        }
        if let Some(last_seen) = &rare.last_seen {
            map.serialize_entry("last_seen", last_seen)?;
        }
        if !self.tags.is_empty() {
            map.serialize_entry("Tag", &self.tags)?;
        }
        if !rare.galaxies.is_empty() {
            map.serialize_entry("Galaxy", &rare.galaxies)?;
        }
        for (key, value) in &rare.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A MISP object: a template instance (`file`, `domain-ip`, …) grouping attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Object {
    /// Local numeric id.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// Template name (`file`).
    pub name: String,
    /// Template category (`file`, `network`).
    #[serde(rename = "meta-category", skip_serializing_if = "Option::is_none")]
    pub meta_category: Option<String>,
    /// Template description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Template UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_uuid: Option<String>,
    /// Template version (`"24"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
    /// The object's UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Last change, seconds since the Unix epoch.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "write_decimal"
    )]
    pub timestamp: Option<i64>,
    /// Who may see the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    /// Local id of the sharing group when `distribution` is 4.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub sharing_group_id: Option<u64>,
    /// Free-text comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Soft-deleted on the exporting instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// First sighting, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Last sighting, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The object's attributes.
    #[serde(rename = "Attribute", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// References from this object to other objects or attributes.
    #[serde(rename = "ObjectReference", skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ObjectReference>,
    /// Everything else, kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A typed link from an object to another object or attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObjectReference {
    /// Local numeric id.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// The reference's UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// UUID of the referring object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_uuid: Option<Uuid>,
    /// UUID of the referenced object or attribute (required on import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referenced_uuid: Option<Uuid>,
    /// The relationship (`related-to`, `drops`).
    pub relationship_type: String,
    /// Free-text comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Last change, seconds since the Unix epoch.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "write_decimal"
    )]
    pub timestamp: Option<i64>,
    /// Everything else, kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A tag: a machine tag from a taxonomy (`tlp:amber`, `PAP:RED`), a galaxy tag or free text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tag {
    /// Local numeric id.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// The tag text; see [`Tag::machine_tag`].
    pub name: String,
    /// Display colour (`#FFC000`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    /// Whether the tag leaves the instance on export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    /// A local tag, never synchronised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
    /// Everything else, kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A galaxy attached to an event or attribute, with the clusters chosen from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Galaxy {
    /// Local numeric id.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// The galaxy's UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Display name (`Attack Pattern`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Galaxy type (`mitre-attack-pattern`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub galaxy_type: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Namespace (`mitre-attack`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The chosen clusters.
    #[serde(rename = "GalaxyCluster", skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<GalaxyCluster>,
    /// Everything else, kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One cluster of a galaxy (one ATT&CK technique, one threat actor, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GalaxyCluster {
    /// Local numeric id.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// The cluster's UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Galaxy type (`mitre-attack-pattern`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub cluster_type: Option<String>,
    /// Cluster value (`Exploit Public-Facing Application - T1190`).
    pub value: String,
    /// The tag this cluster stands for (`misp-galaxy:mitre-attack-pattern="… - T1190"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Everything else (`meta`, `authors`, `source`, …), kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An organisation (`Org`, `Orgc`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Organisation {
    /// Local numeric id.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_id")]
    pub id: Option<u64>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The organisation's UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Whether the organisation is local to the exporting instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
    /// Everything else, kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

macro_rules! numbered_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $number:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// The number MISP uses for it.
            pub fn number(self) -> u8 {
                match self { $($name::$variant => $number,)* }
            }

            /// The value for MISP's number, if there is one.
            pub fn from_number(number: i64) -> Option<Self> {
                match number { $($number => Some($name::$variant),)* _ => None }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // PyMISP writes these as decimal strings.
                const TEXT: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
                serializer.serialize_str(TEXT[usize::from(self.number())])
            }
        }
    };
}

numbered_enum! {
    /// MISP `distribution`: how far an event, object or attribute may be synchronised.
    Distribution {
        /// 0: your organisation only.
        OrganisationOnly = 0,
        /// 1: this community only.
        CommunityOnly = 1,
        /// 2: connected communities.
        ConnectedCommunities = 2,
        /// 3: all communities.
        AllCommunities = 3,
        /// 4: the sharing group named by `sharing_group_id`.
        SharingGroup = 4,
        /// 5: inherit from the event (attributes and objects only).
        InheritEvent = 5,
    }
}

numbered_enum! {
    /// MISP `threat_level_id`.
    ThreatLevel {
        /// 1: high.
        High = 1,
        /// 2: medium.
        Medium = 2,
        /// 3: low.
        Low = 3,
        /// 4: undefined.
        Undefined = 4,
    }
}

numbered_enum! {
    /// MISP `analysis`: how far the analysis of the event has come.
    Analysis {
        /// 0: initial.
        Initial = 0,
        /// 1: ongoing.
        Ongoing = 1,
        /// 2: completed.
        Completed = 2,
    }
}

fn write_decimal<S: Serializer>(number: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    match number {
        Some(number) => serializer.collect_str(number),
        None => serializer.serialize_none(),
    }
}

fn write_id<S: Serializer>(number: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    match number {
        Some(number) => serializer.collect_str(number),
        None => serializer.serialize_none(),
    }
}

fn write_date<S: Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.collect_str(&date.format("%Y-%m-%d")),
        None => serializer.serialize_none(),
    }
}

impl Tag {
    /// A tag with only a name, as a producer writes it.
    pub fn named(name: impl Into<String>) -> Self {
        Tag {
            name: name.into(),
            ..Tag::default()
        }
    }

    /// What the tag means, when it is a machine tag this crate knows.
    pub fn machine_tag(&self) -> MachineTag {
        MachineTag::parse(&self.name)
    }
}

impl Event {
    /// The narrowest TLP 2.0 label among the event's own tags (`tlp:white` reads as CLEAR).
    pub fn tlp(&self) -> Option<Tlp> {
        strictest_tlp(&self.tags)
    }

    /// Every ATT&CK technique the event names, from its tags, its galaxies and those of its
    /// attributes, without repeats, in the order first seen.
    pub fn attack_patterns(&self) -> Vec<AttackPatternRef> {
        let mut found: Vec<AttackPatternRef> = Vec::new();
        let mut add = |candidate: Option<AttackPatternRef>| {
            if let Some(candidate) = candidate
                && !found
                    .iter()
                    .any(|seen| seen.technique_id == candidate.technique_id)
            {
                found.push(candidate);
            }
        };
        let attribute_tags = self
            .attributes
            .iter()
            .flat_map(|attribute| attribute.tags.iter());
        for tag in self.tags.iter().chain(attribute_tags) {
            add(AttackPatternRef::from_tag_name(&tag.name));
        }
        let attribute_galaxies = self
            .attributes
            .iter()
            .flat_map(|attribute| attribute.galaxies().iter());
        for galaxy in self.galaxies.iter().chain(attribute_galaxies) {
            for cluster in &galaxy.clusters {
                add(AttackPatternRef::from_cluster(cluster));
            }
        }
        found
    }

    /// Every attribute of the event, those inside objects included.
    pub fn all_attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes.iter().chain(
            self.objects
                .iter()
                .flat_map(|object| object.attributes.iter()),
        )
    }
}

impl Attribute {
    /// First sighting as MISP wrote it, kept as text.
    pub fn first_seen(&self) -> Option<&str> {
        self.rare.get().first_seen.as_deref()
    }

    /// Last sighting as MISP wrote it, kept as text.
    pub fn last_seen(&self) -> Option<&str> {
        self.rare.get().last_seen.as_deref()
    }

    /// Attribute-level galaxies.
    pub fn galaxies(&self) -> &[Galaxy] {
        &self.rare.get().galaxies
    }

    /// Fields this crate does not model, kept as they came.
    pub fn extra(&self) -> &Extra {
        &self.rare.get().extra
    }

    /// Sets the first sighting (no allocation for `None` when no rare field is present).
    pub fn set_first_seen(&mut self, first_seen: Option<String>) {
        if first_seen.is_some() || self.rare.0.is_some() {
            self.rare.get_mut().first_seen = first_seen;
        }
    }

    /// Sets the last sighting (no allocation for `None` when no rare field is present).
    pub fn set_last_seen(&mut self, last_seen: Option<String>) {
        if last_seen.is_some() || self.rare.0.is_some() {
            self.rare.get_mut().last_seen = last_seen;
        }
    }

    /// Sets the galaxies (no allocation for none when no rare field is present).
    pub fn set_galaxies(&mut self, galaxies: Vec<Galaxy>) {
        if !galaxies.is_empty() || self.rare.0.is_some() {
            self.rare.get_mut().galaxies = galaxies;
        }
    }

    /// The unknown fields for changing.
    pub fn extra_mut(&mut self) -> &mut Extra {
        &mut self.rare.get_mut().extra
    }

    /// The narrowest TLP 2.0 label among the attribute's own tags.
    pub fn tlp(&self) -> Option<Tlp> {
        strictest_tlp(&self.tags)
    }

    /// The label that governs the attribute: its own, else the event's.
    pub fn effective_tlp(&self, event: &Event) -> Option<Tlp> {
        self.tlp().or_else(|| event.tlp())
    }

    /// The two parts of a composite value (`filename|sha256`), split at the last `|`, since
    /// the right-hand parts MISP uses (hashes, ports, addresses) never hold one. `None` for a
    /// type without `|` or a value without it.
    pub fn value_parts(&self) -> Option<(&str, &str)> {
        if self.attribute_type.contains('|') {
            self.value.rsplit_once('|')
        } else {
            None
        }
    }
}
