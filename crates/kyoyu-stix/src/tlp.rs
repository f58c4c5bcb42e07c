//! Traffic Light Protocol markings: the official TLP 2.0 marking-definition objects (the
//! extension form published in oasis-open/cti-stix-common-objects) and the TLP 1.0 objects the
//! STIX 2.1 specification defines itself.
//!
//! Key decision: TLP is recognised by the official identifiers first and by the object's content
//! second, so a marking reference can be resolved without the definition being in the bundle.

use serde_json::{Map, Value, json};

use crate::object::{
    Common, Identifier, MarkingDefinition, ObjectBody, RareCommon, StixObject, Timestamp,
};

/// The TLP 2.0 extension definition's id.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// A TLP level (both versions; `White` exists in TLP 1.0 only, `Clear` and `AmberStrict` in 2.0
/// only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlpLevel {
    /// TLP:CLEAR (2.0).
    Clear,
    /// TLP:WHITE (1.0).
    White,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT (2.0).
    AmberStrict,
    /// TLP:RED.
    Red,
}

/// Which TLP version a marking belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlpVersion {
    /// TLP 1.0 (`definition_type: tlp`).
    V1,
    /// TLP 2.0 (extension form).
    V2,
}

/// Official TLP 2.0 marking ids.
pub const TLP2_IDS: [(TlpLevel, &str); 5] = [
    (
        TlpLevel::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    ),
    (
        TlpLevel::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    ),
    (
        TlpLevel::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    ),
    (
        TlpLevel::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    ),
    (
        TlpLevel::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    ),
];

/// Official TLP 1.0 marking ids (STIX 2.1 §7.2.1.4).
pub const TLP1_IDS: [(TlpLevel, &str); 4] = [
    (
        TlpLevel::White,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        TlpLevel::Green,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        TlpLevel::Amber,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        TlpLevel::Red,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

impl From<kyoyu_model::Tlp> for TlpLevel {
    fn from(tlp: kyoyu_model::Tlp) -> Self {
        use kyoyu_model::Tlp;
        match tlp {
            Tlp::Clear => Self::Clear,
            Tlp::Green => Self::Green,
            Tlp::Amber => Self::Amber,
            Tlp::AmberStrict => Self::AmberStrict,
            Tlp::Red => Self::Red,
        }
    }
}

/// The one conversion of TLP between STIX markings and the model: every TLP 1.0 and 2.0 level
/// as the TLP 2.0 label it means (TLP 1.0 WHITE is CLEAR).
impl From<TlpLevel> for kyoyu_model::Tlp {
    fn from(level: TlpLevel) -> Self {
        use kyoyu_model::Tlp;
        match level {
            TlpLevel::Clear | TlpLevel::White => Tlp::Clear,
            TlpLevel::Green => Tlp::Green,
            TlpLevel::Amber => Tlp::Amber,
            TlpLevel::AmberStrict => Tlp::AmberStrict,
            TlpLevel::Red => Tlp::Red,
        }
    }
}

/// The strictest TLP among marking references that are official TLP 1.0 or 2.0 marking ids;
/// `None` when none of them is.
pub fn strictest_tlp<'a>(
    marking_refs: impl IntoIterator<Item = &'a str>,
) -> Option<kyoyu_model::Tlp> {
    marking_refs
        .into_iter()
        .filter_map(|id| TlpLevel::of_id(id).map(|(level, _)| kyoyu_model::Tlp::from(level)))
        .max()
}

/// What all of an object's markings say about its TLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarkingsTlp {
    /// The strictest TLP among the markings understood: `object_marking_refs` and the
    /// `marking_ref` of every granular marking (a property marked RED makes the object RED).
    pub strictest: Option<kyoyu_model::Tlp>,
    /// A marking reference that is neither an official TLP id nor a definition the caller
    /// knows: its meaning is unknown, so the caller must assume the worst it can honour.
    pub not_understood: bool,
}

/// The TLP of an object from every marking it carries. `definitions` resolves a reference that
/// is not an official TLP id: `Some(Some(level))` for a marking definition the caller knows
/// that stands for a TLP level (the TLP 2.0 extension or a TLP 1.0 definition), `Some(None)` for
/// a known marking that is no TLP (a statement), `None` for one it does not know.
pub fn object_tlp(
    object: &StixObject,
    definitions: impl Fn(&str) -> Option<Option<TlpLevel>>,
) -> MarkingsTlp {
    let object_refs = object.common.object_marking_refs.iter().flatten();
    let granular_refs = object
        .common
        .granular_markings()
        .into_iter()
        .flatten()
        .filter_map(|marking| marking.marking_ref.as_ref());
    let mut result = MarkingsTlp::default();
    for reference in object_refs.chain(granular_refs) {
        let level = match TlpLevel::of_id(reference.as_str()) {
            Some((level, _)) => Some(level),
            None => match definitions(reference.as_str()) {
                Some(level) => level,
                None => {
                    result.not_understood = true;
                    None
                }
            },
        };
        if let Some(level) = level {
            let tlp = kyoyu_model::Tlp::from(level);
            result.strictest = Some(result.strictest.map_or(tlp, |known| known.max(tlp)));
        }
    }
    result
}

impl TlpLevel {
    /// The level's TLP 2.0 wire word (`amber+strict`); TLP 1.0's `white` for `White`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::White => "white",
            Self::Green => "green",
            Self::Amber => "amber",
            Self::AmberStrict => "amber+strict",
            Self::Red => "red",
        }
    }

    /// Parses a TLP word (`clear`, `amber+strict`, …; case-insensitive, `TLP:` prefix allowed).
    pub fn from_word(word: &str) -> Option<Self> {
        let w = word.trim();
        let w = w
            .strip_prefix("TLP:")
            .or_else(|| w.strip_prefix("tlp:"))
            .unwrap_or(w);
        Some(match w.to_ascii_lowercase().as_str() {
            "clear" => Self::Clear,
            "white" => Self::White,
            "green" => Self::Green,
            "amber" => Self::Amber,
            "amber+strict" => Self::AmberStrict,
            "red" => Self::Red,
            _ => return None,
        })
    }

    /// The level and version of an official TLP marking id.
    pub fn of_id(id: &str) -> Option<(Self, TlpVersion)> {
        TLP2_IDS
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(l, _)| (*l, TlpVersion::V2))
            .or_else(|| {
                TLP1_IDS
                    .iter()
                    .find(|(_, i)| *i == id)
                    .map(|(l, _)| (*l, TlpVersion::V1))
            })
    }

    /// The official TLP 2.0 marking id of this level (`White` maps to CLEAR's).
    pub fn tlp2_id(self) -> &'static str {
        let level = if self == Self::White {
            Self::Clear
        } else {
            self
        };
        TLP2_IDS
            .iter()
            .find(|(l, _)| *l == level)
            .map(|(_, i)| *i)
            .unwrap_or(TLP2_IDS[0].1)
    }

    /// The TLP level a marking-definition object stands for: official id, TLP 2.0 extension
    /// content, or TLP 1.0 `definition`.
    pub fn of_marking(object: &StixObject) -> Option<Self> {
        if let Some((level, _)) = Self::of_id(object.id.as_str()) {
            return Some(level);
        }
        Self::of_marking_content(object)
    }

    /// The TLP level a marking-definition object's *content* stands for (the TLP 2.0 extension or
    /// a TLP 1.0 `definition`), whatever its id says: what tells a forged official id apart.
    pub fn of_marking_content(object: &StixObject) -> Option<Self> {
        let marking = object.as_marking_definition()?;
        if let Some(ext) = object
            .common
            .extensions()
            .and_then(|e| e.get(TLP2_EXTENSION_ID))
            && let Some(word) = ext.get("tlp_2_0").and_then(Value::as_str)
        {
            return Self::from_word(word);
        }
        if marking.definition_type.as_deref() == Some("tlp") {
            return marking
                .definition
                .as_ref()
                .and_then(|d| d.get("tlp"))
                .and_then(Value::as_str)
                .and_then(Self::from_word);
        }
        None
    }

    /// The official TLP 2.0 marking-definition object for this level, exactly as published
    /// (`White` gives CLEAR).
    pub fn tlp2_marking_definition(self) -> StixObject {
        let level = if self == Self::White {
            Self::Clear
        } else {
            self
        };
        let mut extensions = Map::new();
        extensions.insert(
            TLP2_EXTENSION_ID.to_owned(),
            json!({"extension_type": "property-extension", "tlp_2_0": level.word()}),
        );
        StixObject {
            object_type: "marking-definition".into(),
            id: Identifier(level.tlp2_id().to_owned()),
            common: Common {
                spec_version: Some("2.1".into()),
                created: Some(Timestamp("2022-10-01T00:00:00.000Z".into())),
                rare: Some(Box::new(RareCommon {
                    extensions: Some(extensions),
                    ..RareCommon::default()
                })),
                ..Common::default()
            },
            body: ObjectBody::MarkingDefinition(Box::new(MarkingDefinition {
                name: Some(format!("TLP:{}", level.word().to_ascii_uppercase()).into()),
                ..MarkingDefinition::default()
            })),
            extra: Map::new(),
        }
    }
}
