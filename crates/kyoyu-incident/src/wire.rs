//! The incident file as serde sees it: one struct per table, fields named exactly as the
//! contract (`docs/incident-file.md`) names them.
//!
//! Key decision: every table denies unknown fields, so a typo (`personal_date`) is an error that
//! lists the expected names instead of a fact silently left false. Items are one flat table with
//! every field any kind can take; which fields a kind may and must have is checked in
//! [`crate::convert`], where the kind is known and the message can say which kind takes the field.

use kyoyu_model::{
    AttackTechnique, Channel, CommunityKind, Cve, EventKind, HostnamePattern, ItemId, ItemKind,
    Jurisdiction, PersonalData, Resolution, RiskLevel, Role, Sector, Tlp, WrittenIocType,
};
use serde::Deserialize;

use crate::value::{
    Checked, IncidentId, IpRange, NonBlank, ObligationId, Recipient, WireTimestamp,
};

/// The whole incident file.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an incident file with an [incident] table"
)]
pub(crate) struct IncidentFile {
    pub incident: IncidentTable,
    #[serde(default)]
    pub organization: OrganizationTable,
    #[serde(default)]
    pub facts: FactsTable,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default)]
    pub items: Vec<ItemTable>,
    #[serde(default)]
    pub communities: Vec<CommunityTable>,
    #[serde(default)]
    pub approvals: Vec<ApprovalTable>,
}

/// `[incident]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "the [incident] table")]
pub(crate) struct IncidentTable {
    pub id: Checked<IncidentId>,
    pub title: Option<String>,
    #[serde(default)]
    pub jurisdictions: Vec<Checked<Jurisdiction>>,
    #[serde(default)]
    pub sectors: Vec<Checked<Sector>>,
    #[serde(default)]
    pub listed_company: bool,
    #[serde(default)]
    pub sec_registrant: bool,
}

/// `[organization]`, also the whole content of a profile file.
#[derive(Debug, Default, Deserialize)]
#[serde(
    default,
    deny_unknown_fields,
    expecting = "the [organization] table (names, domains, email_domains, ip_ranges, hostnames, accounts, people)"
)]
pub(crate) struct OrganizationTable {
    pub names: Vec<String>,
    pub domains: Vec<String>,
    pub email_domains: Vec<String>,
    pub ip_ranges: Vec<Checked<IpRange>>,
    pub hostnames: Vec<Checked<HostnamePattern>>,
    pub accounts: Vec<String>,
    pub people: Vec<String>,
}

/// A profile file whose identifiers sit under `[organization]`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a profile file: an [organization] table, or its keys at the top level"
)]
pub(crate) struct ProfileFile {
    pub organization: OrganizationTable,
}

/// `[facts]`: the contract's facts, then the additions the legal rules need.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "the [facts] table")]
pub(crate) struct FactsTable {
    pub personal_data: Option<Checked<PersonalData>>,
    pub persons_affected: Option<u64>,
    pub sensitive_personal_data: bool,
    pub financial_damage_risk: bool,
    pub wrongful_act: bool,
    pub strong_encryption: bool,
    pub risk_to_individuals: Option<Checked<RiskLevel>>,
    pub significant_incident: bool,
    pub major_ict_incident: bool,
    pub attacker_contained: bool,
    pub service_outage: bool,
    pub ransomware: bool,
    pub double_extortion: bool,
    pub wide_impact: bool,
    pub secondary_damage_risk: bool,
    pub media_reported: bool,
    pub material: bool,
    pub ransom_paid: bool,
    // Beyond the contract: facts that the obligations reference's triggers read.
    pub role: Option<Checked<Role>>,
    pub secrecy_of_communications: bool,
    pub outage_users: Option<u64>,
    pub outage_hours: Option<f64>,
    pub serious_accident_risk: bool,
    pub electricity_accident: bool,
    pub unsecured_phi: bool,
    pub persons_in_one_state: Option<u64>,
    pub protected_defense_information: bool,
    pub card_numbers: bool,
    pub my_number: bool,
    pub specified_user_information: bool,
    pub cyber_insurance: bool,
}

/// One `[[timeline]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[timeline]] entry")]
pub(crate) struct TimelineEntry {
    pub event: Checked<EventKind>,
    pub at: WireTimestamp,
    pub note: Option<String>,
    pub obligation: Option<Checked<ObligationId>>,
    pub to: Option<Checked<Recipient>>,
    pub community: Option<Checked<NonBlank>>,
}

/// One `[[items]]` table: the union of every kind's fields, in the contract's order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [[items]] table")]
pub(crate) struct ItemTable {
    pub id: Checked<ItemId>,
    pub kind: Checked<ItemKind>,
    #[serde(rename = "type")]
    pub ioc_type: Option<Checked<WrittenIocType>>,
    pub value: Option<Checked<NonBlank>>,
    pub path: Option<Checked<NonBlank>>,
    pub tlp: Option<Checked<Tlp>>,
    pub text: Option<Checked<NonBlank>>,
    pub product: Option<Checked<NonBlank>>,
    pub cve: Option<Checked<Cve>>,
    pub fix_available: Option<bool>,
    pub technique: Option<Checked<AttackTechnique>>,
    pub from: Option<WireTimestamp>,
    pub to: Option<WireTimestamp>,
    /// Beyond the contract: the item is know-how (lessons, recurrence prevention), G11②.
    #[serde(default)]
    pub knowhow: bool,
}

/// One `[[communities]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[communities]] table")]
pub(crate) struct CommunityTable {
    pub id: Checked<NonBlank>,
    #[serde(rename = "type")]
    pub kind: Checked<CommunityKind>,
    pub max_tlp: Checked<Tlp>,
}

/// One `[[approvals]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [[approvals]] table")]
pub(crate) struct ApprovalTable {
    pub item: Checked<ItemId>,
    pub channel: Checked<Channel>,
    pub by: Checked<NonBlank>,
    pub at: WireTimestamp,
    pub resolution: Checked<Resolution>,
}
