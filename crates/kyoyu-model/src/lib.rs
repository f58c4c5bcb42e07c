//! The domain model of kyoyu: one incident as the victim's responders know it.
//!
//! Key decision: these types carry no serde and no IO. Every wire format (the incident file,
//! STIX, MISP, REST DTOs) is its own type that converts into this model, so a format change never
//! leaks into the guidance engine, and every value in here has already been validated ("parse,
//! don't validate"): a `Cve` is a CVE id, an `AttackWindow` ends after it starts.

pub mod condition;
pub mod facts;
pub mod incident;
pub mod item;
pub mod profile;
pub mod suggest;
pub mod text;
pub mod timeline;
pub mod tlp;

pub use condition::{Condition, ConditionError};
pub use facts::{FactValue, Facts, PersonalData, RiskLevel, Role};
pub use incident::{
    Approval, Channel, CheckError, Community, CommunityKind, Incident, Jurisdiction, Resolution,
    Sector,
};
pub use item::{
    AttackTechnique, AttackWindow, Cve, InfoClass, IocType, Item, ItemBody, ItemId, ItemKind,
    WrittenIocType,
};
pub use profile::{HostnamePattern, IdentifierCategory, IdentityProfile};
pub use text::{Lang, Localized};
pub use timeline::{EventKind, TimelineEvent, Timestamp};
pub use tlp::{Tlp, UNMARKED_SHARE_TLP};

/// A value that failed validation, with the reason in plain words.
///
/// The wire-format crates attach the file, field and line; the model only says what is wrong
/// with the value itself.
///
/// The reason is a [`Localized`] sentence: the person who typed the value reads it in their own
/// language (`Display` gives the English one, for logs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.en)]
pub struct InvalidValue(pub Localized);

impl InvalidValue {
    /// A reason in Japanese and English.
    pub fn new(
        ja: impl Into<std::borrow::Cow<'static, str>>,
        en: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        InvalidValue(Localized::new(ja, en))
    }
}
