//! The explicit conversion from the wire tables into the model, with the rules that involve more
//! than one field: which fields an item's kind takes and needs, which events take `obligation`
//! and `community`.
//!
//! Key decision: the conversion never guesses. A field the kind does not take is an error naming
//! the kinds that do take it, rather than a value dropped on the floor — a responder who wrote
//! `cve` on an IoC believes the CVE is recorded, and the assessment must not pretend otherwise.

use kyoyu_model::{
    Approval, AttackWindow, Community, Facts, IdentityProfile, Incident, Item, ItemBody, ItemKind,
    Localized, TimelineEvent,
};

use crate::path::FieldPath;
use crate::value::{Checked, NonBlank};
use crate::wire::{
    ApprovalTable, CommunityTable, FactsTable, IncidentFile, ItemTable, OrganizationTable,
    TimelineEntry,
};

/// A problem found after deserialization, at a field path; the caller adds file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: FieldPath,
    pub message: Localized,
}

impl Problem {
    fn new(path: FieldPath, message: Localized) -> Self {
        Problem { path, message }
    }
}

/// A warning at a field path; the caller adds the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Remark {
    pub path: FieldPath,
    pub message: Localized,
}

/// Converts a whole file, collecting warnings along the way.
pub(crate) fn incident(file: IncidentFile) -> Result<(Incident, Vec<Remark>), Problem> {
    let mut remarks = Vec::new();
    let header = file.incident;
    if header.jurisdictions.is_empty() {
        remarks.push(Remark {
            path: FieldPath::key("incident").then("jurisdictions"),
            message: Localized::new(
                "法域（jurisdictions）が書かれていないため、法令上の報告義務は判定されません。JP、EU、US のいずれかを加えてください",
                "no jurisdiction is given, so no legal reporting rule will apply; add any of JP, EU, US",
            ),
        });
    }
    for (index, sector) in header.sectors.iter().enumerate() {
        if !sector.0.is_known() {
            remarks.push(Remark {
                path: FieldPath::key("incident").then("sectors").index(index),
                message: Localized::new(
                    format!(
                        "`{}` は既知の業種ではないため、業種ごとの規則は適用されません{}。既知の業種: {}",
                        sector.0.as_str(),
                        kyoyu_model::suggest::hint_ja(sector.0.as_str(), kyoyu_model::Sector::KNOWN),
                        kyoyu_model::Sector::KNOWN.join(", ")
                    ),
                    format!(
                        "`{}` is not a known sector, so no sector rule will apply to it{}; known sectors: {}",
                        sector.0.as_str(),
                        kyoyu_model::suggest::hint_en(sector.0.as_str(), kyoyu_model::Sector::KNOWN),
                        kyoyu_model::Sector::KNOWN.join(", ")
                    ),
                ),
            });
        }
    }
    let organization = profile(file.organization);
    if organization.is_empty() {
        remarks.push(Remark {
            path: FieldPath::key("organization"),
            message: Localized::new(
                "組織の特定情報（[organization]）が空のため、技術情報に組織を特定できる情報が含まれていないかを確認できません（G6）",
                "the identity profile is empty, so nothing can be checked for identifiers of the organization (G6)",
            ),
        });
    }
    let mut jurisdictions = Vec::new();
    for Checked(jurisdiction) in header.jurisdictions {
        if !jurisdictions.contains(&jurisdiction) {
            jurisdictions.push(jurisdiction);
        }
    }
    let timeline = file
        .timeline
        .into_iter()
        .enumerate()
        .map(|(index, entry)| timeline_event(entry, FieldPath::element("timeline", index)))
        .collect::<Result<_, _>>()?;
    let items = file
        .items
        .into_iter()
        .enumerate()
        .map(|(index, table)| item(table, FieldPath::element("items", index)))
        .collect::<Result<_, _>>()?;
    let incident = Incident {
        id: header.id.0.0,
        title: header.title,
        jurisdictions,
        sectors: header.sectors.into_iter().map(|sector| sector.0).collect(),
        listed_company: header.listed_company,
        sec_registrant: header.sec_registrant,
        organization,
        facts: facts(file.facts),
        timeline,
        items,
        communities: file.communities.into_iter().map(community).collect(),
        approvals: file.approvals.into_iter().map(approval).collect(),
    };
    incident
        .check()
        .map_err(|error| Problem::new(FieldPath::parse(&error.field), error.message))?;
    Ok((incident, remarks))
}

/// Converts `[organization]` (or a profile file's content).
pub(crate) fn profile(table: OrganizationTable) -> IdentityProfile {
    IdentityProfile {
        names: table.names,
        domains: table.domains,
        email_domains: table.email_domains,
        ip_ranges: table.ip_ranges.into_iter().map(|range| range.0.0).collect(),
        hostnames: table
            .hostnames
            .into_iter()
            .map(|pattern| pattern.0)
            .collect(),
        accounts: table.accounts,
        people: table.people,
    }
}

fn facts(table: FactsTable) -> Facts {
    Facts {
        personal_data: table.personal_data.map(|value| value.0).unwrap_or_default(),
        persons_affected: table.persons_affected,
        sensitive_personal_data: table.sensitive_personal_data,
        financial_damage_risk: table.financial_damage_risk,
        wrongful_act: table.wrongful_act,
        strong_encryption: table.strong_encryption,
        risk_to_individuals: table
            .risk_to_individuals
            .map(|value| value.0)
            .unwrap_or_default(),
        significant_incident: table.significant_incident,
        major_ict_incident: table.major_ict_incident,
        attacker_contained: table.attacker_contained,
        service_outage: table.service_outage,
        ransomware: table.ransomware,
        double_extortion: table.double_extortion,
        wide_impact: table.wide_impact,
        secondary_damage_risk: table.secondary_damage_risk,
        media_reported: table.media_reported,
        material: table.material,
        ransom_paid: table.ransom_paid,
        role: table.role.map(|value| value.0).unwrap_or_default(),
        secrecy_of_communications: table.secrecy_of_communications,
        outage_users: table.outage_users,
        outage_hours: table.outage_hours,
        serious_accident_risk: table.serious_accident_risk,
        electricity_accident: table.electricity_accident,
        unsecured_phi: table.unsecured_phi,
        persons_in_one_state: table.persons_in_one_state,
        protected_defense_information: table.protected_defense_information,
        card_numbers: table.card_numbers,
        my_number: table.my_number,
        specified_user_information: table.specified_user_information,
        cyber_insurance: table.cyber_insurance,
    }
}

fn timeline_event(entry: TimelineEntry, path: FieldPath) -> Result<TimelineEvent, Problem> {
    use kyoyu_model::EventKind;
    let kind = entry.event.0;
    for (field, present) in [
        ("obligation", entry.obligation.is_some()),
        ("to", entry.to.is_some()),
    ] {
        if present && kind != EventKind::Reported {
            return Err(Problem::new(
                path.then(field),
                Localized::new(
                    format!(
                        "`{field}` は `reported`（報告した）の出来事に書く項目で、`{kind}` には書けません"
                    ),
                    format!("`{field}` belongs to a `reported` event, not to `{kind}`"),
                ),
            ));
        }
    }
    if entry.community.is_some() && !matches!(kind, EventKind::Shared | EventKind::KnowhowShared) {
        return Err(Problem::new(
            path.then("community"),
            Localized::new(
                format!(
                    "`community` は `shared` か `knowhow_shared` の出来事に書く項目で、`{kind}` には書けません"
                ),
                format!(
                    "`community` belongs to a `shared` or `knowhow_shared` event, not to `{kind}`"
                ),
            ),
        ));
    }
    Ok(TimelineEvent {
        kind,
        at: entry.at.0,
        note: entry.note,
        obligation: entry.obligation.map(|obligation| obligation.0.0),
        to: entry.to.map(|to| to.0.0),
        community: entry.community.map(text),
    })
}

/// The fields each kind takes beyond `id`, `kind`, `text`, `tlp` and `knowhow`.
fn kind_fields(kind: ItemKind) -> &'static [&'static str] {
    match kind {
        ItemKind::Ioc => &["type", "value", "path"],
        ItemKind::Vulnerability => &["product", "cve", "fix_available"],
        ItemKind::Ttp => &["technique"],
        ItemKind::AttackTime => &["from", "to"],
        ItemKind::AbusedService => &["value"],
        ItemKind::ResponseHistory | ItemKind::Damage | ItemKind::VictimIdentity => &[],
    }
}

fn item(table: ItemTable, path: FieldPath) -> Result<Item, Problem> {
    let kind = table.kind.0;
    let present = [
        ("type", table.ioc_type.is_some()),
        ("value", table.value.is_some()),
        ("path", table.path.is_some()),
        ("product", table.product.is_some()),
        ("cve", table.cve.is_some()),
        ("fix_available", table.fix_available.is_some()),
        ("technique", table.technique.is_some()),
        ("from", table.from.is_some()),
        ("to", table.to.is_some()),
    ];
    for (field, is_present) in present {
        if is_present && !kind_fields(kind).contains(&field) {
            let owners: Vec<&str> = ItemKind::ALL
                .into_iter()
                .filter(|other| kind_fields(*other).contains(&field))
                .map(ItemKind::as_str)
                .collect();
            let mut takes = vec!["id", "kind"];
            takes.extend_from_slice(kind_fields(kind));
            takes.extend_from_slice(&["text", "tlp", "knowhow"]);
            return Err(Problem::new(
                path.then(field),
                Localized::new(
                    format!(
                        "`{field}` は種類 `{kind}` の項目には書けません（書けるのは {} の項目だけです）。{kind} の項目に書けるのは {} です",
                        owners.join("、"),
                        takes.join(", ")
                    ),
                    format!(
                        "`{field}` does not belong to an item of kind `{kind}` (only {} items take it); {kind} items take {}",
                        owners.join(" and "),
                        takes.join(", ")
                    ),
                ),
            ));
        }
    }
    let needs = |field: &str, message: Localized| Problem::new(path.then(field), message);
    let body = match kind {
        ItemKind::ResponseHistory | ItemKind::Damage | ItemKind::VictimIdentity => {
            if table.text.is_none() {
                return Err(needs(
                    "text",
                    Localized::new(
                        format!(
                            "{kind} の項目には `text` が必要です。コンテクスト情報なので、言葉で書いてください"
                        ),
                        format!("a {kind} item needs `text`: it is context, described in words"),
                    ),
                ));
            }
            match kind {
                ItemKind::ResponseHistory => ItemBody::ResponseHistory,
                ItemKind::Damage => ItemBody::Damage,
                _ => ItemBody::VictimIdentity,
            }
        }
        ItemKind::Ioc => {
            let Some(ioc_type) = table.ioc_type else {
                return Err(needs(
                    "type",
                    Localized::new(
                        format!(
                            "ioc の項目には `type`（観測値の種類）が必要です。次のいずれかを書いてください: {}",
                            kyoyu_model::IocType::KNOWN.join(", ")
                        ),
                        format!(
                            "an ioc item needs `type`, the observable type; expected one of {}",
                            kyoyu_model::IocType::KNOWN.join(", ")
                        ),
                    ),
                ));
            };
            if table.value.is_none() && table.path.is_none() {
                return Err(needs(
                    "value",
                    Localized::new(
                        "ioc の項目には `value`（指標の値）か `path`（検体ファイル）、または両方が必要です",
                        "an ioc item needs `value` (the indicator), `path` (a sample file) or both",
                    ),
                ));
            }
            // the type as written (a kyoyu type or a MISP / STIX alias) resolved with the value
            let (resolved, value) = match table.value.map(text) {
                Some(value) => {
                    let (resolved, value) = ioc_type
                        .0
                        .resolve(&value)
                        .map_err(|invalid| needs("value", invalid.0))?;
                    (resolved, Some(value))
                }
                None => (
                    ioc_type
                        .0
                        .without_value()
                        .map_err(|invalid| needs("value", invalid.0))?,
                    None,
                ),
            };
            ItemBody::Ioc {
                ioc_type: resolved,
                value,
                path: table.path.map(text),
            }
        }
        ItemKind::Vulnerability => {
            if table.product.is_none() && table.cve.is_none() {
                return Err(needs(
                    "product",
                    Localized::new(
                        "vulnerability の項目には `product`（製品）か `cve`、または両方が必要です",
                        "a vulnerability item needs `product`, `cve` or both",
                    ),
                ));
            }
            ItemBody::Vulnerability {
                product: table.product.map(text),
                cve: table.cve.map(|cve| cve.0),
                fix_available: table.fix_available,
            }
        }
        ItemKind::Ttp => {
            if table.technique.is_none() && table.text.is_none() {
                return Err(needs(
                    "technique",
                    Localized::new(
                        "ttp の項目には `technique`（T1190 のような ATT&CK の id）か `text`、または両方が必要です",
                        "a ttp item needs `technique` (an ATT&CK id such as T1190), `text` or both",
                    ),
                ));
            }
            ItemBody::Ttp {
                technique: table.technique.map(|technique| technique.0),
            }
        }
        ItemKind::AttackTime => {
            let from = table.from.map(|from| from.0);
            let to = table.to.map(|to| to.0);
            let window = AttackWindow::new(from, to).map_err(|invalid| {
                let field = if from.is_some() && to.is_some() {
                    "to"
                } else {
                    "from"
                };
                Problem::new(path.then(field), invalid.0)
            })?;
            ItemBody::AttackTime(window)
        }
        ItemKind::AbusedService => {
            if table.value.is_none() && table.text.is_none() {
                return Err(needs(
                    "value",
                    Localized::new(
                        "abused_service の項目には `value`（アドレスや名前）か `text`、または両方が必要です",
                        "an abused_service item needs `value` (its address or name), `text` or both",
                    ),
                ));
            }
            ItemBody::AbusedService {
                value: table.value.map(text),
            }
        }
    };
    Ok(Item {
        id: table.id.0,
        text: table.text.map(text),
        tlp: table.tlp.map(|tlp| tlp.0),
        knowhow: table.knowhow,
        body,
    })
}

fn community(table: CommunityTable) -> Community {
    Community {
        id: text(table.id),
        kind: table.kind.0,
        max_tlp: table.max_tlp.0,
    }
}

fn approval(table: ApprovalTable) -> Approval {
    Approval {
        item: table.item.0,
        channel: table.channel.0,
        by: text(table.by),
        at: table.at.0,
        resolution: table.resolution.0,
    }
}

fn text(value: Checked<NonBlank>) -> String {
    value.0.0
}
