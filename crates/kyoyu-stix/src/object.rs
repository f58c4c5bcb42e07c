//! The STIX 2.1 object: common properties typed, type-specific properties typed for the types
//! kyoyu uses, and every other property kept verbatim in [`StixObject::extra`].
//!
//! Key decision: one hand-written map visitor instead of `#[serde(flatten)]` and an internally
//! tagged enum. Flatten buffers every object into an intermediate tree before typing it, which
//! roughly halves parse speed; the visitor reads each property once, straight into its typed
//! slot, and only properties it does not know become `serde_json::Value`s. Timestamps and
//! identifiers are kept as the text that arrived ([`Timestamp`], [`Identifier`]) so a round trip
//! is byte-exact in value (STIX allows any number of fractional digits); validation checks their
//! form separately (see [`crate::validate`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::capture::{Captured, FromCaptured};

/// The string type of typed properties: inline up to 24 bytes (no allocation), heap beyond.
pub type Text = compact_str::CompactString;

/// A STIX timestamp exactly as written (`2016-04-06T20:03:48.000Z`).
///
/// Kept as text so that re-serialization never changes precision; [`Timestamp::to_datetime`]
/// parses it when a value is needed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub Text);

impl Timestamp {
    /// The timestamp as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text as RFC 3339 (any offset); `None` when it is not a timestamp.
    pub fn to_datetime(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::parse_from_rfc3339(&self.0)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    /// Formats a UTC time the way STIX producers conventionally do (milliseconds, `Z`).
    pub fn from_datetime(time: chrono::DateTime<chrono::Utc>) -> Self {
        Self(compact_str::format_compact!(
            "{}",
            time.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A STIX identifier (`indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f`) as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identifier(pub String);

impl Identifier {
    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `--` (the object type), if there is a `--`.
    pub fn object_type(&self) -> Option<&str> {
        self.0.split_once("--").map(|(t, _)| t)
    }

    /// The part after `--` (the UUID text), if there is a `--`.
    pub fn uuid_text(&self) -> Option<&str> {
        self.0.split_once("--").map(|(_, u)| u)
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Identifier {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// `external_references` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExternalReference {
    /// `source_name` (required by the spec; empty when absent on the wire is a validation issue).
    pub source_name: Text,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `hashes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<BTreeMap<Text, Text>>,
    /// `external_id` (e.g. `T1059.001`, `CVE-2024-1234`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<Text>,
    /// Custom properties of the reference, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `granular_markings` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GranularMarking {
    /// `lang` (either this or `marking_ref`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Text>,
    /// `marking_ref`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marking_ref: Option<Identifier>,
    /// `selectors`.
    pub selectors: Vec<Text>,
    /// Custom properties, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `kill_chain_phases` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KillChainPhase {
    /// `kill_chain_name` (e.g. `mitre-attack`).
    pub kill_chain_name: Text,
    /// `phase_name` (e.g. `initial-access`).
    pub phase_name: Text,
    /// Custom properties, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Converts a captured property value to its type. An explicit `null` is kept verbatim in
/// `extra` (it is not a value of the typed property, and nothing may be lost); a value of the
/// wrong shape is recorded as a problem.
fn take<T: FromCaptured>(
    key: &str,
    value: Captured,
    extra: &mut Map<String, Value>,
    problems: &mut Vec<String>,
) -> Option<T> {
    match value {
        Captured::Null => {
            extra.insert(key.to_owned(), Value::Null);
            None
        }
        value => match T::from_captured(value) {
            Ok(v) => Some(v),
            Err(reason) => {
                problems.push(format!("property `{key}`: {reason}"));
                None
            }
        },
    }
}

/// Generates a struct of optional typed properties plus the three routines the object visitor
/// needs: read one property from the map being visited, set one from an already captured value
/// (when `type` came after it), and write all present properties.
macro_rules! stix_properties {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal ),* $(,)? }
     $( $(#[$rmeta:meta])* $rare:ident : $rty:ident , )?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            $( $(#[$rmeta])* pub $rare: Option<Box<$rty>>, )?
        }

        impl $name {
            /// The wire names this struct types.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Whether `key` is one of [`Self::KEYS`].
            #[allow(dead_code)]
            fn is_key(key: &str) -> bool {
                matches!(key, $($key)|*)
            }

            #[allow(unused_variables)]
            fn read_from_map<'de, A: MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
                extra: &mut Map<String, Value>,
                problems: &mut Vec<String>,
            ) -> Result<bool, A::Error> {
                match key {
                    $( $key => {
                        let value = map.next_value::<Captured>()?;
                        self.$field = take::<$ty>(key, value, extra, problems);
                        Ok(true)
                    } )*
                    $( _ if $rty::is_key(key) => self
                        .$rare
                        .get_or_insert_with(Box::default)
                        .read_from_map(key, map, extra, problems), )?
                    _ => Ok(false),
                }
            }

            /// Sets the property `key` from an already captured value; gives the value back
            /// when `key` is not one of this struct's.
            #[allow(unused_variables, dead_code)]
            fn read_captured(
                &mut self,
                key: &str,
                value: Captured,
                extra: &mut Map<String, Value>,
                problems: &mut Vec<String>,
            ) -> Option<Captured> {
                match key {
                    $( $key => {
                        self.$field = take::<$ty>(key, value, extra, problems);
                        None
                    } )*
                    $( _ if $rty::is_key(key) => self
                        .$rare
                        .get_or_insert_with(Box::default)
                        .read_captured(key, value, extra, problems), )?
                    _ => Some(value),
                }
            }

            /// Writes the present properties (not those of a `rare` part).
            #[allow(unused_variables, dead_code)]
            fn write<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $( if let Some(v) = &self.$field { map.serialize_entry($key, v)?; } )*
                Ok(())
            }
        }
    };
}

stix_properties! {
    /// Common properties of SDOs, SROs, SCOs and marking definitions (spec §3.2). `type` and
    /// `id` live on [`StixObject`] itself since every object has them. The common properties
    /// most objects do not have (`lang`, `external_references`, `granular_markings`,
    /// `extensions`) are in [`Common::rare`], allocated when the first of them is read: every
    /// object kept in memory is then 96 bytes smaller (`StixObject`: 360 → 264 bytes).
    Common {
        /// `spec_version`.
        spec_version: Text = "spec_version",
        /// `created`.
        created: Timestamp = "created",
        /// `modified`.
        modified: Timestamp = "modified",
        /// `created_by_ref`.
        created_by_ref: Identifier = "created_by_ref",
        /// `revoked`.
        revoked: bool = "revoked",
        /// `labels`.
        labels: Vec<Text> = "labels",
        /// `confidence` (0–100).
        confidence: i64 = "confidence",
        /// `object_marking_refs`.
        object_marking_refs: Vec<Identifier> = "object_marking_refs",
        /// `defanged` (SCOs).
        defanged: bool = "defanged",
    }
    /// The less common ones (`None` when the object has none of them).
    rare: RareCommon,
}

stix_properties! {
    /// The common properties most objects do not have; see [`Common::rare`].
    RareCommon {
        /// `lang`.
        lang: Text = "lang",
        /// `external_references`.
        external_references: Vec<ExternalReference> = "external_references",
        /// `granular_markings`.
        granular_markings: Vec<GranularMarking> = "granular_markings",
        /// `extensions` (extension id or name → extension object), kept as JSON.
        extensions: Map<String, Value> = "extensions",
    }
}

impl Common {
    /// `lang`.
    pub fn lang(&self) -> Option<&Text> {
        self.rare.as_ref()?.lang.as_ref()
    }

    /// `external_references`.
    pub fn external_references(&self) -> Option<&Vec<ExternalReference>> {
        self.rare.as_ref()?.external_references.as_ref()
    }

    /// `granular_markings`.
    pub fn granular_markings(&self) -> Option<&Vec<GranularMarking>> {
        self.rare.as_ref()?.granular_markings.as_ref()
    }

    /// `extensions`.
    pub fn extensions(&self) -> Option<&Map<String, Value>> {
        self.rare.as_ref()?.extensions.as_ref()
    }

    /// The less common properties, allocated if there were none yet.
    pub fn rare_mut(&mut self) -> &mut RareCommon {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Writes the common properties in the order of the specification's property tables.
    fn write_in_order<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let rare = self.rare.as_deref();
        if let Some(v) = &self.spec_version {
            map.serialize_entry("spec_version", v)?;
        }
        if let Some(v) = &self.created {
            map.serialize_entry("created", v)?;
        }
        if let Some(v) = &self.modified {
            map.serialize_entry("modified", v)?;
        }
        if let Some(v) = &self.created_by_ref {
            map.serialize_entry("created_by_ref", v)?;
        }
        if let Some(v) = &self.revoked {
            map.serialize_entry("revoked", v)?;
        }
        if let Some(v) = &self.labels {
            map.serialize_entry("labels", v)?;
        }
        if let Some(v) = &self.confidence {
            map.serialize_entry("confidence", v)?;
        }
        if let Some(v) = rare.and_then(|r| r.lang.as_ref()) {
            map.serialize_entry("lang", v)?;
        }
        if let Some(v) = rare.and_then(|r| r.external_references.as_ref()) {
            map.serialize_entry("external_references", v)?;
        }
        if let Some(v) = &self.object_marking_refs {
            map.serialize_entry("object_marking_refs", v)?;
        }
        if let Some(v) = rare.and_then(|r| r.granular_markings.as_ref()) {
            map.serialize_entry("granular_markings", v)?;
        }
        if let Some(v) = rare.and_then(|r| r.extensions.as_ref()) {
            map.serialize_entry("extensions", v)?;
        }
        if let Some(v) = &self.defanged {
            map.serialize_entry("defanged", v)?;
        }
        Ok(())
    }
}

stix_properties! {
    /// `indicator` properties.
    Indicator {
        /// `name`.
        name: Text = "name",
        /// `description`.
        description: Text = "description",
        /// `indicator_types`.
        indicator_types: Vec<Text> = "indicator_types",
        /// `pattern`.
        pattern: Text = "pattern",
        /// `pattern_type` (`stix`, `snort`, `yara`, …).
        pattern_type: Text = "pattern_type",
        /// `pattern_version`.
        pattern_version: Text = "pattern_version",
        /// `valid_from`.
        valid_from: Timestamp = "valid_from",
        /// `valid_until`.
        valid_until: Timestamp = "valid_until",
        /// `kill_chain_phases`.
        kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases",
    }
}

stix_properties! {
    /// `attack-pattern` properties.
    AttackPattern {
        /// `name`.
        name: Text = "name",
        /// `description`.
        description: Text = "description",
        /// `aliases`.
        aliases: Vec<Text> = "aliases",
        /// `kill_chain_phases`.
        kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases",
    }
}

stix_properties! {
    /// `malware` properties.
    Malware {
        /// `name`.
        name: Text = "name",
        /// `description`.
        description: Text = "description",
        /// `malware_types`.
        malware_types: Vec<Text> = "malware_types",
        /// `is_family`.
        is_family: bool = "is_family",
        /// `aliases`.
        aliases: Vec<Text> = "aliases",
        /// `kill_chain_phases`.
        kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases",
        /// `first_seen`.
        first_seen: Timestamp = "first_seen",
        /// `last_seen`.
        last_seen: Timestamp = "last_seen",
        /// `operating_system_refs`.
        operating_system_refs: Vec<Identifier> = "operating_system_refs",
        /// `architecture_execution_envs`.
        architecture_execution_envs: Vec<Text> = "architecture_execution_envs",
        /// `implementation_languages`.
        implementation_languages: Vec<Text> = "implementation_languages",
        /// `capabilities`.
        capabilities: Vec<Text> = "capabilities",
        /// `sample_refs`.
        sample_refs: Vec<Identifier> = "sample_refs",
    }
}

stix_properties! {
    /// `vulnerability` properties.
    Vulnerability {
        /// `name` (conventionally the CVE id).
        name: Text = "name",
        /// `description`.
        description: Text = "description",
    }
}

stix_properties! {
    /// `identity` properties.
    Identity {
        /// `name`.
        name: Text = "name",
        /// `description`.
        description: Text = "description",
        /// `roles`.
        roles: Vec<Text> = "roles",
        /// `identity_class`.
        identity_class: Text = "identity_class",
        /// `sectors`.
        sectors: Vec<Text> = "sectors",
        /// `contact_information`.
        contact_information: Text = "contact_information",
    }
}

stix_properties! {
    /// `relationship` properties.
    Relationship {
        /// `relationship_type`.
        relationship_type: Text = "relationship_type",
        /// `description`.
        description: Text = "description",
        /// `source_ref`.
        source_ref: Identifier = "source_ref",
        /// `target_ref`.
        target_ref: Identifier = "target_ref",
        /// `start_time`.
        start_time: Timestamp = "start_time",
        /// `stop_time`.
        stop_time: Timestamp = "stop_time",
    }
}

stix_properties! {
    /// `sighting` properties.
    Sighting {
        /// `description`.
        description: Text = "description",
        /// `first_seen`.
        first_seen: Timestamp = "first_seen",
        /// `last_seen`.
        last_seen: Timestamp = "last_seen",
        /// `count`.
        count: i64 = "count",
        /// `sighting_of_ref`.
        sighting_of_ref: Identifier = "sighting_of_ref",
        /// `observed_data_refs`.
        observed_data_refs: Vec<Identifier> = "observed_data_refs",
        /// `where_sighted_refs`.
        where_sighted_refs: Vec<Identifier> = "where_sighted_refs",
        /// `summary`.
        summary: bool = "summary",
    }
}

stix_properties! {
    /// `marking-definition` properties: the TLP 1.0 / statement form (`definition_type`,
    /// `definition`) and the TLP 2.0 extension form (`name` plus an entry in `extensions`).
    MarkingDefinition {
        /// `name` (`TLP:AMBER+STRICT`).
        name: Text = "name",
        /// `definition_type` (`tlp`, `statement`; absent in the TLP 2.0 form).
        definition_type: Text = "definition_type",
        /// `definition` (`{"tlp": "amber"}`, `{"statement": "…"}`).
        definition: Map<String, Value> = "definition",
    }
}

stix_properties! {
    /// `ipv4-addr` and `ipv6-addr` properties.
    IpAddr {
        /// `value` (address or CIDR).
        value: Text = "value",
        /// `resolves_to_refs`.
        resolves_to_refs: Vec<Identifier> = "resolves_to_refs",
        /// `belongs_to_refs`.
        belongs_to_refs: Vec<Identifier> = "belongs_to_refs",
    }
}

stix_properties! {
    /// `domain-name` properties.
    DomainName {
        /// `value`.
        value: Text = "value",
        /// `resolves_to_refs`.
        resolves_to_refs: Vec<Identifier> = "resolves_to_refs",
    }
}

stix_properties! {
    /// `url` properties.
    Url {
        /// `value`.
        value: Text = "value",
    }
}

stix_properties! {
    /// `email-addr` properties.
    EmailAddr {
        /// `value`.
        value: Text = "value",
        /// `display_name`.
        display_name: Text = "display_name",
        /// `belongs_to_ref`.
        belongs_to_ref: Identifier = "belongs_to_ref",
    }
}

stix_properties! {
    /// `file` properties.
    File {
        /// `hashes` (algorithm name → hex or ssdeep text).
        hashes: BTreeMap<Text, Text> = "hashes",
        /// `size`.
        size: u64 = "size",
        /// `name`.
        name: Text = "name",
        /// `name_enc`.
        name_enc: Text = "name_enc",
        /// `magic_number_hex`.
        magic_number_hex: Text = "magic_number_hex",
        /// `mime_type`.
        mime_type: Text = "mime_type",
        /// `ctime`.
        ctime: Timestamp = "ctime",
        /// `mtime`.
        mtime: Timestamp = "mtime",
        /// `atime`.
        atime: Timestamp = "atime",
        /// `parent_directory_ref`.
        parent_directory_ref: Identifier = "parent_directory_ref",
        /// `contains_refs`.
        contains_refs: Vec<Identifier> = "contains_refs",
        /// `content_ref`.
        content_ref: Identifier = "content_ref",
    }
}

stix_properties! {
    /// `network-traffic` properties.
    NetworkTraffic {
        /// `start`.
        start: Timestamp = "start",
        /// `end`.
        end: Timestamp = "end",
        /// `is_active`.
        is_active: bool = "is_active",
        /// `src_ref`.
        src_ref: Identifier = "src_ref",
        /// `dst_ref`.
        dst_ref: Identifier = "dst_ref",
        /// `src_port`.
        src_port: u16 = "src_port",
        /// `dst_port`.
        dst_port: u16 = "dst_port",
        /// `protocols`.
        protocols: Vec<Text> = "protocols",
        /// `src_byte_count`.
        src_byte_count: u64 = "src_byte_count",
        /// `dst_byte_count`.
        dst_byte_count: u64 = "dst_byte_count",
        /// `src_packets`.
        src_packets: u64 = "src_packets",
        /// `dst_packets`.
        dst_packets: u64 = "dst_packets",
        /// `ipfix`.
        ipfix: Map<String, Value> = "ipfix",
        /// `src_payload_ref`.
        src_payload_ref: Identifier = "src_payload_ref",
        /// `dst_payload_ref`.
        dst_payload_ref: Identifier = "dst_payload_ref",
        /// `encapsulates_refs`.
        encapsulates_refs: Vec<Identifier> = "encapsulates_refs",
        /// `encapsulated_by_ref`.
        encapsulated_by_ref: Identifier = "encapsulated_by_ref",
    }
}

stix_properties! {
    /// `x509-certificate` properties.
    X509Certificate {
        /// `is_self_signed`.
        is_self_signed: bool = "is_self_signed",
        /// `hashes`.
        hashes: BTreeMap<Text, Text> = "hashes",
        /// `version`.
        version: Text = "version",
        /// `serial_number`.
        serial_number: Text = "serial_number",
        /// `signature_algorithm`.
        signature_algorithm: Text = "signature_algorithm",
        /// `issuer`.
        issuer: Text = "issuer",
        /// `validity_not_before`.
        validity_not_before: Timestamp = "validity_not_before",
        /// `validity_not_after`.
        validity_not_after: Timestamp = "validity_not_after",
        /// `subject`.
        subject: Text = "subject",
        /// `subject_public_key_algorithm`.
        subject_public_key_algorithm: Text = "subject_public_key_algorithm",
        /// `subject_public_key_modulus`.
        subject_public_key_modulus: Text = "subject_public_key_modulus",
        /// `subject_public_key_exponent`.
        subject_public_key_exponent: i64 = "subject_public_key_exponent",
        /// `x509_v3_extensions`.
        x509_v3_extensions: Map<String, Value> = "x509_v3_extensions",
    }
}

/// The type-specific part of an object. Types kyoyu does not model are [`ObjectBody::Other`]:
/// all their specific properties are in [`StixObject::extra`]. The largest bodies are boxed so
/// that every object does not pay for the biggest one (memory per object matters when a
/// consumer keeps a whole bundle).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ObjectBody {
    Indicator(Box<Indicator>),
    AttackPattern(Box<AttackPattern>),
    Malware(Box<Malware>),
    Vulnerability(Box<Vulnerability>),
    Identity(Box<Identity>),
    Relationship(Box<Relationship>),
    Sighting(Box<Sighting>),
    MarkingDefinition(Box<MarkingDefinition>),
    Ipv4Addr(Box<IpAddr>),
    Ipv6Addr(Box<IpAddr>),
    DomainName(Box<DomainName>),
    Url(Box<Url>),
    EmailAddr(Box<EmailAddr>),
    File(Box<File>),
    NetworkTraffic(Box<NetworkTraffic>),
    X509Certificate(Box<X509Certificate>),
    /// Any other type (SDOs kyoyu does not type, custom types, extension-defined types).
    Other,
}

macro_rules! dispatch_body {
    ($body:expr, $inner:ident => $e:expr, $other:expr) => {
        match $body {
            ObjectBody::Indicator($inner) => $e,
            ObjectBody::AttackPattern($inner) => $e,
            ObjectBody::Malware($inner) => $e,
            ObjectBody::Vulnerability($inner) => $e,
            ObjectBody::Identity($inner) => $e,
            ObjectBody::Relationship($inner) => $e,
            ObjectBody::Sighting($inner) => $e,
            ObjectBody::MarkingDefinition($inner) => $e,
            ObjectBody::Ipv4Addr($inner) => $e,
            ObjectBody::Ipv6Addr($inner) => $e,
            ObjectBody::DomainName($inner) => $e,
            ObjectBody::Url($inner) => $e,
            ObjectBody::EmailAddr($inner) => $e,
            ObjectBody::File($inner) => $e,
            ObjectBody::NetworkTraffic($inner) => $e,
            ObjectBody::X509Certificate($inner) => $e,
            ObjectBody::Other => $other,
        }
    };
}

impl ObjectBody {
    /// The empty body for a `type` value.
    pub fn for_type(object_type: &str) -> Self {
        match object_type {
            "indicator" => Self::Indicator(Box::default()),
            "attack-pattern" => Self::AttackPattern(Box::default()),
            "malware" => Self::Malware(Box::default()),
            "vulnerability" => Self::Vulnerability(Box::default()),
            "identity" => Self::Identity(Box::default()),
            "relationship" => Self::Relationship(Box::default()),
            "sighting" => Self::Sighting(Box::default()),
            "marking-definition" => Self::MarkingDefinition(Box::default()),
            "ipv4-addr" => Self::Ipv4Addr(Box::default()),
            "ipv6-addr" => Self::Ipv6Addr(Box::default()),
            "domain-name" => Self::DomainName(Box::default()),
            "url" => Self::Url(Box::default()),
            "email-addr" => Self::EmailAddr(Box::default()),
            "file" => Self::File(Box::default()),
            "network-traffic" => Self::NetworkTraffic(Box::default()),
            "x509-certificate" => Self::X509Certificate(Box::default()),
            _ => Self::Other,
        }
    }

    fn read_from_map<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        extra: &mut Map<String, Value>,
        problems: &mut Vec<String>,
    ) -> Result<bool, A::Error> {
        dispatch_body!(self, b => b.read_from_map(key, map, extra, problems), Ok(false))
    }

    fn read_captured(
        &mut self,
        key: &str,
        value: Captured,
        extra: &mut Map<String, Value>,
        problems: &mut Vec<String>,
    ) -> Option<Captured> {
        dispatch_body!(self, b => b.read_captured(key, value, extra, problems), Some(value))
    }

    fn write<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        dispatch_body!(self, b => b.write(map), Ok(()))
    }
}

/// One STIX 2.1 object of any type.
///
/// **Architecture Invariant:** parse → serialize loses no property. Unknown and custom
/// properties (`x_…`), unknown types and explicit `null`s are in `extra`.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject {
    /// `type`.
    pub object_type: Text,
    /// `id`.
    pub id: Identifier,
    /// The common properties.
    pub common: Common,
    /// The typed type-specific properties.
    pub body: ObjectBody,
    /// Every other property, verbatim.
    pub extra: Map<String, Value>,
}

impl StixObject {
    /// A new object of `object_type` with `id` and nothing else.
    pub fn new(object_type: impl Into<Text>, id: impl Into<String>) -> Self {
        let object_type = object_type.into();
        let body = ObjectBody::for_type(&object_type);
        Self {
            object_type,
            id: Identifier(id.into()),
            common: Common::default(),
            body,
            extra: Map::new(),
        }
    }

    /// The indicator properties, when this is an indicator.
    pub fn as_indicator(&self) -> Option<&Indicator> {
        match &self.body {
            ObjectBody::Indicator(i) => Some(i),
            _ => None,
        }
    }

    /// The marking-definition properties, when this is a marking definition.
    pub fn as_marking_definition(&self) -> Option<&MarkingDefinition> {
        match &self.body {
            ObjectBody::MarkingDefinition(m) => Some(m),
            _ => None,
        }
    }

    /// The TLP level this marking definition stands for, in either the TLP 1.0 form or the
    /// TLP 2.0 extension form; `None` for other objects and non-TLP markings.
    pub fn tlp_level(&self) -> Option<crate::tlp::TlpLevel> {
        crate::tlp::TlpLevel::of_marking(self)
    }

    /// Parses one object from JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Serializes to compact JSON text.
    pub fn to_json(&self) -> String {
        // Serializing into a String cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for StixObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", &self.object_type)?;
        map.serialize_entry("id", &self.id)?;
        self.common.write_in_order(&mut map)?;
        self.body.write(&mut map)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A map key borrowed from the input where possible (no allocation for unescaped keys).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Why an object could not be read (the JSON itself was fine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectProblem {
    /// The object's `id`, when it had a readable one.
    pub(crate) object_id: Option<String>,
    /// What was wrong, `; `-separated.
    pub(crate) message: String,
}

/// Reads one object. The outer `Result` is the JSON stream's; the inner one says whether the
/// object is usable, so a bad object never leaves the stream in an unknown place.
pub(crate) struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Result<StixObject, ObjectProblem>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a STIX object (a JSON object with `type` and `id`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object_type: Option<Text> = None;
        let mut id: Option<Identifier> = None;
        let mut common = Common::default();
        let mut body: Option<ObjectBody> = None;
        let mut extra = Map::new();
        let mut problems: Vec<String> = Vec::new();
        // Properties seen before `type`: their typing depends on the type, so they wait.
        let mut pending: Vec<(String, Captured)> = Vec::new();

        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match key.as_ref() {
                "type" => {
                    let value = map.next_value::<Captured>()?;
                    if object_type.is_some() {
                        problems.push("property `type` appears twice".to_owned());
                        continue;
                    }
                    let t = match value {
                        Captured::Str(t) => t,
                        other => {
                            problems.push(format!(
                                "property `type`: expected a string, found {}",
                                other.into_value()
                            ));
                            continue;
                        }
                    };
                    let mut b = ObjectBody::for_type(&t);
                    for (k, v) in pending.drain(..) {
                        if let Some(v) = b.read_captured(&k, v, &mut extra, &mut problems) {
                            extra.insert(k, v.into_value());
                        }
                    }
                    body = Some(b);
                    object_type = Some(t);
                }
                "id" => {
                    let value = map.next_value::<Captured>()?;
                    if id.is_some() {
                        problems.push("property `id` appears twice".to_owned());
                        continue;
                    }
                    id = take::<Identifier>("id", value, &mut extra, &mut problems);
                }
                k => {
                    if common.read_from_map(k, &mut map, &mut extra, &mut problems)? {
                        continue;
                    }
                    match body.as_mut() {
                        Some(b) => {
                            if !b.read_from_map(k, &mut map, &mut extra, &mut problems)? {
                                let v: Value = map.next_value()?;
                                extra.insert(k.to_owned(), v);
                            }
                        }
                        None => {
                            let v: Captured = map.next_value()?;
                            pending.push((k.to_owned(), v));
                        }
                    }
                }
            }
        }
        if object_type.is_none() && !problems.iter().any(|p| p.contains("`type`")) {
            problems.push("missing property `type`".to_owned());
        }
        if id.is_none() && !problems.iter().any(|p| p.contains("`id`")) {
            problems.push("missing property `id`".to_owned());
        }
        match (object_type, id) {
            (Some(object_type), Some(id)) if problems.is_empty() => Ok(Ok(StixObject {
                object_type,
                id,
                common,
                body: body.unwrap_or(ObjectBody::Other),
                extra,
            })),
            (_, id) => Ok(Err(ObjectProblem {
                object_id: id.map(|i| i.0),
                message: problems.join("; "),
            })),
        }
    }
}

/// Reads one element of a bundle's `objects`: a JSON object is read as a STIX object, any
/// other JSON value is consumed and reported.
pub(crate) struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Result<StixObject, ObjectProblem>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        ObjectVisitor.visit_map(map)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(not_an_object("a list"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(not_an_object("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(not_an_object("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(not_an_object("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(not_an_object("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(not_an_object("a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(not_an_object("null"))
    }
}

fn not_an_object(found: &str) -> Result<StixObject, ObjectProblem> {
    Err(ObjectProblem {
        object_id: None,
        message: format!("expected a JSON object, found {found}"),
    })
}

/// `DeserializeSeed` for one bundle element.
pub(crate) struct ElementSeed;

impl<'de> de::DeserializeSeed<'de> for ElementSeed {
    type Value = Result<StixObject, ObjectProblem>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(ElementVisitor)
    }
}

impl<'de> Deserialize<'de> for StixObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(ObjectVisitor)?
            .map_err(|p| de::Error::custom(p.message))
    }
}
