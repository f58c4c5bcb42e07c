//! What is known about the incident's impact (the contract's `[facts]`).
//!
//! Key decision: facts are plain values the responder asserts, and rules read them by name
//! through [`Facts::get`] using the fact vocabulary of the obligations reference (`pd_involved`,
//! `jp_sensitive`, …) as well as the incident file's own names, so legal and guidance rules can be
//! data files that name facts rather than code that knows struct fields.

use std::str::FromStr;

use crate::InvalidValue;

/// Whether personal data was involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonalData {
    /// No personal data involved.
    #[default]
    None,
    /// Personal data may have been leaked, lost or damaged (JP "おそれ" counts).
    Suspected,
    /// Personal data was leaked, lost or damaged.
    Confirmed,
}

impl PersonalData {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonalData::None => "none",
            PersonalData::Suspected => "suspected",
            PersonalData::Confirmed => "confirmed",
        }
    }
}

impl FromStr for PersonalData {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "none" => Ok(PersonalData::None),
            "suspected" => Ok(PersonalData::Suspected),
            "confirmed" => Ok(PersonalData::Confirmed),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` は個人データの状態ではありません。none、suspected、confirmed のいずれかを書いてください"
                ),
                format!(
                    "`{text}` is not a personal-data state; expected one of none, suspected, confirmed"
                ),
            )),
        }
    }
}

/// The GDPR Art. 33/34 risk assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RiskLevel {
    /// Unlikely to result in a risk to individuals.
    #[default]
    None,
    /// Likely to result in a risk.
    Risk,
    /// Likely to result in a high risk.
    HighRisk,
}

impl RiskLevel {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Risk => "risk",
            RiskLevel::HighRisk => "high_risk",
        }
    }
}

impl FromStr for RiskLevel {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "none" => Ok(RiskLevel::None),
            "risk" => Ok(RiskLevel::Risk),
            "high_risk" => Ok(RiskLevel::HighRisk),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` はリスクの程度ではありません。none、risk、high_risk のいずれかを書いてください"
                ),
                format!("`{text}` is not a risk level; expected one of none, risk, high_risk"),
            )),
        }
    }
}

/// The organization's role for the affected personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Decides the purposes and means (GDPR controller; JP 個人情報取扱事業者 itself).
    #[default]
    Controller,
    /// Processes on behalf of another (GDPR processor; JP 委託先).
    Processor,
}

impl Role {
    /// The file's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Controller => "controller",
            Role::Processor => "processor",
        }
    }
}

impl FromStr for Role {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "controller" => Ok(Role::Controller),
            "processor" => Ok(Role::Processor),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` は役割ではありません。controller（管理者）か processor（受託者）を書いてください"
                ),
                format!("`{text}` is not a role; expected controller or processor"),
            )),
        }
    }
}

/// A fact's value as rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FactValue {
    /// A yes/no fact.
    Bool(bool),
    /// A count or measure.
    Number(f64),
    /// One of a fixed set of names (`confirmed`, `high_risk`…).
    Name(&'static str),
}

/// The incident's facts. Unset counts are `None`; unset flags are `false`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// Personal data involved.
    pub personal_data: PersonalData,
    /// Number of data subjects affected or possibly affected.
    pub persons_affected: Option<u64>,
    /// Special-care personal information (要配慮個人情報).
    pub sensitive_personal_data: bool,
    /// Data whose misuse can cause property damage (card numbers, banking credentials).
    pub financial_damage_risk: bool,
    /// Caused by an act with wrongful purpose (attack, insider theft).
    pub wrongful_act: bool,
    /// Leaked data was strongly encrypted and the key was not compromised.
    pub strong_encryption: bool,
    /// GDPR Art. 33/34 risk to individuals.
    pub risk_to_individuals: RiskLevel,
    /// NIS2 Art. 23(3) significant incident.
    pub significant_incident: bool,
    /// DORA major ICT-related incident.
    pub major_ict_incident: bool,
    /// The attacker was expelled and contained.
    pub attacker_contained: bool,
    /// Service stopped or degraded.
    pub service_outage: bool,
    /// Ransomware was deployed.
    pub ransomware: bool,
    /// Data theft plus extortion by publication threat.
    pub double_extortion: bool,
    /// Other organizations may be hit too.
    pub wide_impact: bool,
    /// Customers or third parties at risk now.
    pub secondary_damage_risk: bool,
    /// The media has reported the incident.
    pub media_reported: bool,
    /// Materiality determined (SEC).
    pub material: bool,
    /// A ransom was paid.
    pub ransom_paid: bool,
    /// Controller or processor of the affected personal data.
    pub role: Role,
    /// Secrecy of communications leaked (telecom carriers, 通信の秘密).
    pub secrecy_of_communications: bool,
    /// Users affected by a service outage.
    pub outage_users: Option<u64>,
    /// Duration of a service outage, hours.
    pub outage_hours: Option<f64>,
    /// A serious accident is likely (telecom near miss).
    pub serious_accident_risk: bool,
    /// A reportable electrical accident occurred (電気関係報告規則 Art. 3).
    pub electricity_accident: bool,
    /// Unsecured protected health information breached (HIPAA).
    pub unsecured_phi: bool,
    /// Largest number of affected residents of one US state or jurisdiction.
    pub persons_in_one_state: Option<u64>,
    /// Information to be protected under defence procurement terms (保護すべき情報) affected.
    pub protected_defense_information: bool,
    /// Card numbers leaked or possibly leaked.
    pub card_numbers: bool,
    /// My Number (特定個人情報) data involved.
    pub my_number: bool,
    /// Specified user information (特定利用者情報) of a designated carrier leaked.
    pub specified_user_information: bool,
    /// The organization holds cyber insurance (M9).
    pub cyber_insurance: bool,
}

impl Facts {
    /// Every name [`Facts::get`] answers, for validating rule data.
    pub const NAMES: [&'static str; 49] = [
        // The incident file's names.
        "personal_data",
        "persons_affected",
        "sensitive_personal_data",
        "financial_damage_risk",
        "wrongful_act",
        "strong_encryption",
        "risk_to_individuals",
        "significant_incident",
        "major_ict_incident",
        "attacker_contained",
        "service_outage",
        "ransomware",
        "double_extortion",
        "wide_impact",
        "secondary_damage_risk",
        "media_reported",
        "material",
        "ransom_paid",
        "role",
        "secrecy_of_communications",
        "outage_users",
        "outage_hours",
        "serious_accident_risk",
        "electricity_accident",
        "unsecured_phi",
        "persons_in_one_state",
        "protected_defense_information",
        "card_numbers",
        "my_number",
        "specified_user_information",
        "cyber_insurance",
        // The obligations reference's vocabulary (§0).
        "pd_involved",
        "pd_confirmed",
        "persons",
        "jp_sensitive",
        "jp_financial_risk",
        "significant",
        "major_ict",
        "processor",
        "controller",
        "contained",
        // Incident-level facts, answered by the incident.
        "listed_jp",
        "listed_company",
        "sec_registrant",
        "has_vulnerability_unpatched",
        "has_technical_items",
        "has_context_items",
        "has_isac",
        "has_hub",
    ];

    /// The value of a fact by name, or `None` when it is unset (an unset count) or not a fact
    /// of this struct (incident-level names are answered by `Incident::fact`).
    pub fn get(&self, name: &str) -> Option<FactValue> {
        use FactValue::{Bool, Name, Number};
        let count = |value: Option<u64>| value.map(|value| Number(value as f64));
        Some(match name {
            "personal_data" => Name(self.personal_data.as_str()),
            "pd_involved" => Bool(self.personal_data != PersonalData::None),
            "pd_confirmed" => Bool(self.personal_data == PersonalData::Confirmed),
            "persons_affected" | "persons" => return count(self.persons_affected),
            "sensitive_personal_data" | "jp_sensitive" => Bool(self.sensitive_personal_data),
            "financial_damage_risk" | "jp_financial_risk" => Bool(self.financial_damage_risk),
            "wrongful_act" => Bool(self.wrongful_act),
            "strong_encryption" => Bool(self.strong_encryption),
            "risk_to_individuals" => Name(self.risk_to_individuals.as_str()),
            "significant_incident" | "significant" => Bool(self.significant_incident),
            "major_ict_incident" | "major_ict" => Bool(self.major_ict_incident),
            "attacker_contained" | "contained" => Bool(self.attacker_contained),
            "service_outage" => Bool(self.service_outage),
            "ransomware" => Bool(self.ransomware),
            "double_extortion" => Bool(self.double_extortion),
            "wide_impact" => Bool(self.wide_impact),
            "secondary_damage_risk" => Bool(self.secondary_damage_risk),
            "media_reported" => Bool(self.media_reported),
            "material" => Bool(self.material),
            "ransom_paid" => Bool(self.ransom_paid),
            "role" => Name(self.role.as_str()),
            "processor" => Bool(self.role == Role::Processor),
            "controller" => Bool(self.role == Role::Controller),
            "secrecy_of_communications" => Bool(self.secrecy_of_communications),
            "outage_users" => return count(self.outage_users),
            "outage_hours" => return self.outage_hours.map(Number),
            "serious_accident_risk" => Bool(self.serious_accident_risk),
            "electricity_accident" => Bool(self.electricity_accident),
            "unsecured_phi" => Bool(self.unsecured_phi),
            "persons_in_one_state" => return count(self.persons_in_one_state),
            "protected_defense_information" => Bool(self.protected_defense_information),
            "card_numbers" => Bool(self.card_numbers),
            "my_number" => Bool(self.my_number),
            "specified_user_information" => Bool(self.specified_user_information),
            "cyber_insurance" => Bool(self.cyber_insurance),
            _ => return None,
        })
    }
}
