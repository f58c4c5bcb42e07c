//! MITRE ATT&CK Enterprise v18.1 technique names and STIX ids, shipped as data (see
//! `data/NOTICE.md` for MITRE's terms), so exports can name a technique the way MISP galaxies and
//! STIX attack-patterns do.
//!
//! Key decision: parsed once, lazily; an id that is not in the table is exported by id alone
//! rather than refused, since newer ATT&CK releases add techniques.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One technique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technique {
    /// `T1190`, `T1566.001`.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The STIX id of its attack-pattern object.
    pub stix_id: &'static str,
    /// Revoked or deprecated in this release.
    pub retired: bool,
}

static TECHNIQUES: LazyLock<HashMap<&'static str, Technique>> = LazyLock::new(|| {
    include_str!("../data/attack-techniques-v18.1.csv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            // The names hold no commas in this release except where quoted; split from the
            // right, where the fixed-form fields are.
            let (rest, retired) = line.rsplit_once(',')?;
            let (rest, stix_id) = rest.rsplit_once(',')?;
            let (id, name) = rest.split_once(',')?;
            Some((
                id,
                Technique {
                    id,
                    name: name.trim_matches('"'),
                    stix_id,
                    retired: retired == "true",
                },
            ))
        })
        .collect()
});

/// The technique with this id, if the shipped release knows it.
pub fn technique(id: &str) -> Option<&'static Technique> {
    TECHNIQUES.get(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_are_found_by_id() {
        let exploit = technique("T1190").expect("T1190 is in v18.1");
        assert_eq!(exploit.name, "Exploit Public-Facing Application");
        assert!(exploit.stix_id.starts_with("attack-pattern--"));
        assert_eq!(
            technique("T1566.001").map(|found| found.name),
            Some("Spearphishing Attachment")
        );
        assert!(technique("T9999").is_none());
        assert!(TECHNIQUES.len() > 800);
    }
}
