//! Machine tags with a meaning kyoyu acts on: `tlp:` (TLP 2.0), `PAP:` and the ATT&CK galaxy
//! (`misp-galaxy:mitre-attack-pattern="Exploit Public-Facing Application - T1190"`).
//!
//! Key decision: the accepted `tlp:` and `PAP:` predicates are the ones in the MISP taxonomy
//! files embedded in the crate (`data/taxonomies/`), read once; a predicate the taxonomy does not
//! list is not a TLP tag, however close it looks. `tlp:white` and `PAP:WHITE` (TLP 1.0 names still
//! common in MISP data) read as CLEAR and are reported as legacy; `tlp:ex:chr` and `tlp:unclear`
//! are taxonomy entries with no TLP 2.0 label.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::Tlp;
use crate::wire::{GalaxyCluster, Tag};

const TLP_TAXONOMY: &str = include_str!("../data/taxonomies/tlp/machinetag.json");
const PAP_TAXONOMY: &str = include_str!("../data/taxonomies/PAP/machinetag.json");

/// The galaxy type and galaxy UUID of MISP's ATT&CK attack-pattern galaxy.
pub const ATTACK_PATTERN_GALAXY_TYPE: &str = "mitre-attack-pattern";
/// UUID of the `mitre-attack-pattern` galaxy (misp-galaxy `galaxy-mitre-attack-pattern.json`).
pub const ATTACK_PATTERN_GALAXY_UUID: &str = "c4e851fa-775f-11e7-8163-b774922098cd";

#[derive(Deserialize)]
struct Taxonomy {
    namespace: String,
    predicates: Vec<Predicate>,
}

#[derive(Deserialize)]
struct Predicate {
    value: String,
    colour: Option<String>,
}

struct Taxonomies {
    tlp: Taxonomy,
    pap: Taxonomy,
}

fn taxonomies() -> &'static Taxonomies {
    static TAXONOMIES: OnceLock<Taxonomies> = OnceLock::new();
    TAXONOMIES.get_or_init(|| {
        // The files are part of the crate and checked by a test; an empty taxonomy here
        // would only mean no tag is recognised, never a panic.
        let empty = || Taxonomy {
            namespace: String::new(),
            predicates: Vec::new(),
        };
        Taxonomies {
            tlp: serde_json::from_str(TLP_TAXONOMY).unwrap_or_else(|_| empty()),
            pap: serde_json::from_str(PAP_TAXONOMY).unwrap_or_else(|_| empty()),
        }
    })
}

impl Taxonomy {
    /// The taxonomy's own spelling of `predicate` (case-insensitive match).
    fn predicate(&self, predicate: &str) -> Option<&Predicate> {
        self.predicates
            .iter()
            .find(|known| known.value.eq_ignore_ascii_case(predicate))
    }
}

/// A `tlp:` tag from the MISP TLP taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlpTag {
    /// A TLP 2.0 label (`tlp:clear`, `tlp:green`, `tlp:amber`, `tlp:amber+strict`, `tlp:red`).
    Label(Tlp),
    /// `tlp:white`, the TLP 1.0 name of CLEAR.
    LegacyWhite,
    /// `tlp:ex:chr`: not to be shared with the Chrome security team; no TLP 2.0 label.
    ExChr,
    /// `tlp:unclear`: the TLP level is not known.
    Unclear,
}

impl TlpTag {
    /// The TLP 2.0 label the tag stands for (`tlp:white` as CLEAR).
    pub fn tlp(self) -> Option<Tlp> {
        match self {
            TlpTag::Label(tlp) => Some(tlp),
            TlpTag::LegacyWhite => Some(Tlp::Clear),
            TlpTag::ExChr | TlpTag::Unclear => None,
        }
    }
}

/// A Permissible Actions Protocol label (`PAP:` taxonomy, version 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pap {
    /// No restriction on use (`PAP:CLEAR`, legacy `PAP:WHITE`).
    Clear,
    /// Active actions allowed.
    Green,
    /// Passive cross-checks only.
    Amber,
    /// Non-detectable actions only.
    Red,
}

impl Pap {
    /// The taxonomy's predicate (`RED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Pap::Clear => "CLEAR",
            Pap::Green => "GREEN",
            Pap::Amber => "AMBER",
            Pap::Red => "RED",
        }
    }
}

/// An ATT&CK technique named by a galaxy tag or cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttackPatternRef {
    /// The technique's name as the cluster writes it (`Exploit Public-Facing Application`).
    pub name: String,
    /// The technique id (`T1190`, `T1059.001`).
    pub technique_id: String,
}

/// What a tag name means to kyoyu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineTag {
    /// A `tlp:` tag.
    Tlp(TlpTag),
    /// A `PAP:` tag; `legacy` for `PAP:WHITE`.
    Pap {
        /// The label.
        pap: Pap,
        /// True for `PAP:WHITE`, read as CLEAR.
        legacy: bool,
    },
    /// An ATT&CK attack-pattern galaxy tag.
    AttackPattern(AttackPatternRef),
    /// Another galaxy tag (`misp-galaxy:threat-actor="…"`).
    Galaxy {
        /// The galaxy type (`threat-actor`).
        galaxy_type: String,
        /// The cluster value.
        value: String,
    },
    /// Any other tag.
    Other,
}

impl MachineTag {
    /// Reads a tag name. Namespaces match case-insensitively (`TLP:AMBER` is seen in the wild);
    /// predicates must be in the taxonomy.
    pub fn parse(name: &str) -> MachineTag {
        let name = name.trim();
        let Some((namespace, rest)) = name.split_once(':') else {
            return MachineTag::Other;
        };
        let taxonomies = taxonomies();
        if namespace.eq_ignore_ascii_case(&taxonomies.tlp.namespace) {
            return match taxonomies
                .tlp
                .predicate(rest)
                .map(|known| known.value.as_str())
            {
                Some("clear") => MachineTag::Tlp(TlpTag::Label(Tlp::Clear)),
                Some("green") => MachineTag::Tlp(TlpTag::Label(Tlp::Green)),
                Some("amber") => MachineTag::Tlp(TlpTag::Label(Tlp::Amber)),
                Some("amber+strict") => MachineTag::Tlp(TlpTag::Label(Tlp::AmberStrict)),
                Some("red") => MachineTag::Tlp(TlpTag::Label(Tlp::Red)),
                Some("white") => MachineTag::Tlp(TlpTag::LegacyWhite),
                Some("ex:chr") => MachineTag::Tlp(TlpTag::ExChr),
                Some("unclear") => MachineTag::Tlp(TlpTag::Unclear),
                _ => MachineTag::Other,
            };
        }
        if namespace.eq_ignore_ascii_case(&taxonomies.pap.namespace) {
            return match taxonomies
                .pap
                .predicate(rest)
                .map(|known| known.value.as_str())
            {
                Some("CLEAR") => MachineTag::Pap {
                    pap: Pap::Clear,
                    legacy: false,
                },
                Some("WHITE") => MachineTag::Pap {
                    pap: Pap::Clear,
                    legacy: true,
                },
                Some("GREEN") => MachineTag::Pap {
                    pap: Pap::Green,
                    legacy: false,
                },
                Some("AMBER") => MachineTag::Pap {
                    pap: Pap::Amber,
                    legacy: false,
                },
                Some("RED") => MachineTag::Pap {
                    pap: Pap::Red,
                    legacy: false,
                },
                _ => MachineTag::Other,
            };
        }
        if namespace == "misp-galaxy"
            && let Some((galaxy_type, quoted)) = rest.split_once('=')
            && let Some(value) = quoted
                .strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
        {
            if galaxy_type == ATTACK_PATTERN_GALAXY_TYPE
                && let Some(reference) = AttackPatternRef::from_cluster_value(value)
            {
                return MachineTag::AttackPattern(reference);
            }
            return MachineTag::Galaxy {
                galaxy_type: galaxy_type.to_owned(),
                value: value.to_owned(),
            };
        }
        MachineTag::Other
    }
}

/// The narrowest TLP label among `tags`.
pub(crate) fn strictest_tlp(tags: &[Tag]) -> Option<Tlp> {
    tags.iter()
        .filter_map(|tag| match tag.machine_tag() {
            MachineTag::Tlp(tlp_tag) => tlp_tag.tlp(),
            _ => None,
        })
        .max()
}

/// True for `T1234` and `T1234.567`.
fn is_technique_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: &[u8]| range.iter().all(u8::is_ascii_digit);
    match bytes.len() {
        5 => bytes[0] == b'T' && digits(&bytes[1..5]),
        9 => bytes[0] == b'T' && digits(&bytes[1..5]) && bytes[5] == b'.' && digits(&bytes[6..9]),
        _ => false,
    }
}

impl AttackPatternRef {
    /// Reads a cluster value `Name - T1190`.
    pub fn from_cluster_value(value: &str) -> Option<Self> {
        let (name, technique_id) = value.rsplit_once(" - ")?;
        let technique_id = technique_id.trim();
        is_technique_id(technique_id).then(|| AttackPatternRef {
            name: name.trim().to_owned(),
            technique_id: technique_id.to_owned(),
        })
    }

    /// Reads a galaxy tag name `misp-galaxy:mitre-attack-pattern="Name - T1190"`.
    pub fn from_tag_name(tag_name: &str) -> Option<Self> {
        match MachineTag::parse(tag_name) {
            MachineTag::AttackPattern(reference) => Some(reference),
            _ => None,
        }
    }

    /// Reads an attack-pattern galaxy cluster.
    pub fn from_cluster(cluster: &GalaxyCluster) -> Option<Self> {
        let is_attack_pattern = cluster.cluster_type.as_deref() == Some(ATTACK_PATTERN_GALAXY_TYPE)
            || cluster
                .tag_name
                .as_deref()
                .is_some_and(|tag| tag.starts_with("misp-galaxy:mitre-attack-pattern="));
        if is_attack_pattern {
            Self::from_cluster_value(&cluster.value)
        } else {
            None
        }
    }

    /// The cluster value MISP uses (`Exploit Public-Facing Application - T1190`).
    pub fn cluster_value(&self) -> String {
        format!("{} - {}", self.name, self.technique_id)
    }

    /// The galaxy tag (`misp-galaxy:mitre-attack-pattern="… - T1190"`).
    pub fn tag(&self) -> Tag {
        Tag::named(format!(
            "misp-galaxy:{ATTACK_PATTERN_GALAXY_TYPE}=\"{}\"",
            self.cluster_value()
        ))
    }
}

impl Tag {
    /// The taxonomy tag for a TLP 2.0 label (`tlp:amber+strict`), with the taxonomy's colour.
    pub fn tlp(tlp: Tlp) -> Tag {
        let taxonomy = &taxonomies().tlp;
        let predicate = taxonomy.predicate(tlp.as_str());
        Tag {
            name: format!("tlp:{}", tlp.as_str()),
            colour: predicate.and_then(|known| known.colour.clone()),
            exportable: Some(true),
            ..Tag::default()
        }
    }

    /// The taxonomy tag for a PAP label (`PAP:RED`), with the taxonomy's colour.
    pub fn pap(pap: Pap) -> Tag {
        let taxonomy = &taxonomies().pap;
        let predicate = taxonomy.predicate(pap.as_str());
        Tag {
            name: format!("PAP:{}", pap.as_str()),
            colour: predicate.and_then(|known| known.colour.clone()),
            exportable: Some(true),
            ..Tag::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_taxonomies_parse_with_their_predicates() {
        let taxonomies = taxonomies();
        assert_eq!(taxonomies.tlp.namespace, "tlp");
        assert_eq!(taxonomies.pap.namespace, "PAP");
        assert_eq!(taxonomies.tlp.predicates.len(), 8);
        assert_eq!(taxonomies.pap.predicates.len(), 5);
    }

    #[test]
    fn technique_ids() {
        assert!(is_technique_id("T1190"));
        assert!(is_technique_id("T1059.001"));
        assert!(!is_technique_id("T119"));
        assert!(!is_technique_id("TA0001"));
        assert!(!is_technique_id("T1059.01"));
    }
}
