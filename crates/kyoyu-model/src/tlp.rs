//! Traffic Light Protocol 2.0 labels.
//!
//! Key decision: the labels are ordered by how far information may travel (`Clear` widest,
//! `Red` narrowest), so "may an item marked X go to a community that accepts up to Y" is one
//! comparison.

use std::fmt;
use std::str::FromStr;

use crate::InvalidValue;

/// The label an item without its own leaves with when it is shared: TLP:AMBER, the usual label
/// of pre-publication sharing with a hub (limited disclosure, need to know). The one rule for an
/// unmarked item: the guidance's G8 check, the egress gate and every writer use it, so an
/// unmarked item is judged at the label it will carry.
pub const UNMARKED_SHARE_TLP: Tlp = Tlp::Amber;

/// A TLP 2.0 label (FIRST, TLP version 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    /// TLP:CLEAR — no limit on disclosure.
    Clear,
    /// TLP:GREEN — the community, not public channels.
    Green,
    /// TLP:AMBER — the recipient's organization and its clients, need to know.
    Amber,
    /// TLP:AMBER+STRICT — the recipient's organization only.
    AmberStrict,
    /// TLP:RED — named recipients only.
    Red,
}

impl Tlp {
    /// All labels from widest to narrowest.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The lower-case name used in the incident file (`amber+strict`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The label of an exact lower-case name as [`Tlp::as_str`] writes it (stored data); no
    /// allocation, unlike the forgiving [`str::parse`].
    pub fn from_label(label: &str) -> Option<Tlp> {
        Tlp::ALL.into_iter().find(|tlp| tlp.as_str() == label)
    }

    /// True when an item with this label may travel to a place that accepts up to `ceiling`.
    pub fn fits_within(self, ceiling: Tlp) -> bool {
        self <= ceiling
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "TLP:{}", self.as_str().to_ascii_uppercase())
    }
}

impl FromStr for Tlp {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("tlp:").unwrap_or(&lower);
        match bare {
            "clear" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "amber+strict" => Ok(Tlp::AmberStrict),
            "red" => Ok(Tlp::Red),
            "white" => Err(InvalidValue::new(
                "TLP:WHITE は TLP 1.0 の名前です。TLP 2.0 では `clear` と書きます",
                "TLP:WHITE is TLP 1.0; TLP 2.0 calls it `clear`",
            )),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` は TLP 2.0 のラベルではありません。clear、green、amber、amber+strict、red のいずれかを書いてください{}",
                    crate::suggest::hint_ja(
                        text,
                        ["clear", "green", "amber", "amber+strict", "red"]
                    )
                ),
                format!(
                    "`{text}` is not a TLP 2.0 label; expected one of clear, green, amber, amber+strict, red{}",
                    crate::suggest::hint_en(
                        text,
                        ["clear", "green", "amber", "amber+strict", "red"]
                    )
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_order_by_reach() {
        assert_eq!("AMBER+STRICT".parse::<Tlp>(), Ok(Tlp::AmberStrict));
        assert_eq!("tlp:green".parse::<Tlp>(), Ok(Tlp::Green));
        assert!(Tlp::Green.fits_within(Tlp::Amber));
        assert!(!Tlp::Red.fits_within(Tlp::AmberStrict));
        assert!("white".parse::<Tlp>().is_err());
        assert!("orange".parse::<Tlp>().is_err());
    }
}
