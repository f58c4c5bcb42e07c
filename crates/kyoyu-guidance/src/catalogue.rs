//! The catalogue of guidance rule ids with titles and sources, for `kyoyu rules` and for
//! checking that every id a verdict cites exists.
//!
//! Key decision: the catalogue is data (`data/rules.toml`), and a test checks that every rule id
//! the engine can emit is in it, so no verdict can cite a rule a user cannot look up.

use kyoyu_model::Localized;
use serde::Deserialize;

use crate::DataError;

/// One rule of the guidance.
#[derive(Debug, Clone)]
pub struct RuleEntry {
    /// The id (`G6`, `M3`).
    pub id: String,
    /// Where in the sources it comes from.
    pub source: String,
    /// A one-line title.
    pub title: Localized,
}

/// All rules of the guidance.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    rule: Vec<RuleRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleRow {
    id: String,
    source: String,
    title: TextRow,
}

/// Bilingual text as written in the data files.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextRow {
    pub(crate) ja: String,
    pub(crate) en: String,
}

impl From<TextRow> for Localized {
    fn from(row: TextRow) -> Self {
        Localized::new(row.ja, row.en)
    }
}

impl Catalogue {
    /// Parses the catalogue data file.
    pub fn from_toml(text: &str) -> Result<Self, DataError> {
        let file: CatalogueFile = toml::from_str(text).map_err(|error| DataError {
            file: "rules.toml",
            message: error.to_string(),
        })?;
        let entries = file
            .rule
            .into_iter()
            .map(|row| RuleEntry {
                id: row.id,
                source: row.source,
                title: row.title.into(),
            })
            .collect();
        Ok(Catalogue { entries })
    }

    /// Every rule, in the guidance's order.
    pub fn entries(&self) -> &[RuleEntry] {
        &self.entries
    }

    /// The entry for an id; `G11②` finds `G11`.
    pub fn get(&self, id: &str) -> Option<&RuleEntry> {
        let base: String = id.chars().take_while(char::is_ascii_alphanumeric).collect();
        self.entries.iter().find(|entry| entry.id == base)
    }
}
