//! The readable report of `kyoyu assess` for responders, PR and executives (guidance M2).
//!
//! Key decision: the report answers the questions in the order a non-specialist asks them — what
//! can go out now, what needs a person, what waits and until when, what is not for a channel;
//! then the legal deadlines by due time; then whether to publish — and every line names the rule
//! behind it, so a specialist can check it.

use std::fmt::Write as _;

use kyoyu_guidance::{Decision, Recommendation};
use kyoyu_model::{Channel, Incident, ItemBody, ItemKind, Lang};

use crate::assess::Assessment;
use crate::json::timestamp;

fn text(lang: Lang, ja: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn kind_name(kind: ItemKind, lang: Lang) -> &'static str {
    match kind {
        ItemKind::ResponseHistory => text(lang, "対応の経緯", "response history"),
        ItemKind::Damage => text(lang, "被害内容", "damage"),
        ItemKind::AttackTime => text(lang, "攻撃時期", "attack time"),
        ItemKind::Ttp => text(lang, "攻撃手法", "TTP"),
        ItemKind::Vulnerability => text(lang, "脆弱性", "vulnerability"),
        ItemKind::AbusedService => text(lang, "踏み台", "abused service"),
        ItemKind::Ioc => text(lang, "IoC", "IoC"),
        ItemKind::VictimIdentity => text(lang, "組織の特定情報", "victim identity"),
    }
}

fn channel_name(channel: Channel, lang: Lang) -> &'static str {
    match channel {
        Channel::Share => text(lang, "情報共有", "sharing"),
        Channel::ExpertAlert => text(lang, "専門機関の注意喚起", "expert alert"),
        Channel::Publication => text(lang, "公表", "publication"),
    }
}

fn shorten(value: &str, limit: usize) -> String {
    let single_line = value.replace(['\n', '\r'], " ");
    if single_line.chars().count() <= limit {
        single_line
    } else {
        let cut: String = single_line.chars().take(limit).collect();
        format!("{cut}…")
    }
}

/// A short label for an item: its id, kind and what it holds.
fn label(incident: &Incident, id: &str, lang: Lang) -> String {
    let Some(item) = incident.item(id) else {
        return id.to_owned();
    };
    let detail = match &item.body {
        ItemBody::Ioc {
            value: Some(value), ..
        } => Some(value.clone()),
        ItemBody::Ioc {
            path: Some(path), ..
        } => Some(path.clone()),
        ItemBody::Vulnerability { cve: Some(cve), .. } => Some(cve.as_str().to_owned()),
        ItemBody::Vulnerability {
            product: Some(product),
            ..
        } => Some(product.clone()),
        ItemBody::Ttp {
            technique: Some(technique),
        } => Some(technique.as_str().to_owned()),
        ItemBody::AbusedService { value: Some(value) } => Some(value.clone()),
        _ => item.text.clone(),
    };
    match detail {
        Some(detail) => format!(
            "{id} [{}] {}",
            kind_name(item.kind(), lang),
            shorten(&detail, 48)
        ),
        None => format!("{id} [{}]", kind_name(item.kind(), lang)),
    }
}

fn status_name(status: kyoyu_obligations::Status, lang: Lang) -> &'static str {
    use kyoyu_obligations::Status;
    match status {
        Status::Upcoming => text(lang, "期限前", "upcoming"),
        Status::DueSoon => text(lang, "期限間近", "due soon"),
        Status::Overdue => text(lang, "期限超過", "overdue"),
        Status::Done => text(lang, "提出済み", "done"),
        Status::OnRequest => text(lang, "求めに応じて", "on request"),
    }
}

fn recommendation_name(recommendation: Recommendation, lang: Lang) -> &'static str {
    match recommendation {
        Recommendation::PublishNow => text(lang, "今すぐ公表する", "publish now"),
        Recommendation::PublishWhenReady => {
            text(lang, "準備が整い次第公表する", "publish when ready")
        }
        Recommendation::WaitForContainment => {
            text(lang, "封じ込めまで公表を待つ", "wait for containment")
        }
        Recommendation::Optional => text(lang, "公表は任意", "optional"),
        Recommendation::NotRecommended => text(lang, "公表は推奨しない", "not recommended"),
    }
}

/// The incident, its title and the instant assessed: the first lines of every rendering.
fn header(assessment: &Assessment, lang: Lang) -> String {
    let mut out = String::new();
    let title = assessment
        .title
        .as_deref()
        .map(|title| format!(" — {title}"))
        .unwrap_or_default();
    let _ = writeln!(out, "{}{title}", assessment.incident);
    let _ = writeln!(
        out,
        "{}: {}",
        text(lang, "評価時点", "Assessed at"),
        timestamp(assessment.assessed_at)
    );
    out
}

/// Renders the readable report.
pub fn render(assessment: &Assessment, incident: &Incident, lang: Lang) -> String {
    let mut out = header(assessment, lang);
    let guidance = &assessment.guidance;

    let groups = [
        (
            Decision::Allow,
            text(lang, "今すぐ出せるもの", "Can go out now"),
        ),
        (
            Decision::Review,
            text(lang, "確認が必要なもの", "Needs your review"),
        ),
        (
            Decision::Hold,
            text(lang, "条件が整うまで保留", "Held until a condition is met"),
        ),
        (
            Decision::Deny,
            text(lang, "この経路には出さないもの", "Not for this channel"),
        ),
    ];
    for (decision, heading) in groups {
        let _ = writeln!(out, "\n## {heading}");
        let mut any = false;
        for channel in Channel::ALL {
            let entries: Vec<_> = guidance
                .items
                .iter()
                .filter(|item| item.channel(channel).decision == decision)
                .collect();
            if entries.is_empty() {
                continue;
            }
            any = true;
            let _ = writeln!(out, "  {}:", channel_name(channel, lang));
            for item in entries {
                let verdict = item.channel(channel);
                let _ = writeln!(
                    out,
                    "    - {} ({})",
                    label(incident, item.id.as_str(), lang),
                    verdict.grade
                );
                if let Some(until) = &verdict.until {
                    let _ = writeln!(
                        out,
                        "        {}: {}",
                        text(lang, "保留期限", "until"),
                        until.get(lang)
                    );
                }
                if decision != Decision::Allow {
                    for reason in &verdict.reasons {
                        let _ =
                            writeln!(out, "        [{}] {}", reason.rule, reason.text.get(lang));
                    }
                }
                if let Some((resolution, by)) = &verdict.approval {
                    let _ = writeln!(
                        out,
                        "        {}: {} ({by})",
                        text(lang, "承認", "approved"),
                        resolution.as_str()
                    );
                }
                if channel == Channel::Share {
                    for finding in &item.findings {
                        let _ = writeln!(
                            out,
                            "        [G6] {} `{}` ({}, {} @{})",
                            text(lang, "識別情報", "identifier"),
                            finding.matched,
                            finding.encoding,
                            finding.source,
                            finding.offset
                        );
                    }
                }
            }
        }
        if !any {
            let _ = writeln!(out, "  {}", text(lang, "（なし）", "(none)"));
        }
    }

    let _ = writeln!(
        out,
        "\n## {}",
        text(lang, "法令上の報告期限（G14）", "Legal deadlines (G14)")
    );
    if assessment.obligations.is_empty() {
        let _ = writeln!(out, "  {}", text(lang, "（該当なし）", "(none apply)"));
    }
    for obligation in &assessment.obligations {
        let due = obligation
            .due
            .map(timestamp)
            .unwrap_or_else(|| text(lang, "期限の定めなし", "no fixed time").to_owned());
        let unverified = if obligation.verified {
            ""
        } else {
            text(lang, " ［未検証］", " [unverified]")
        };
        let _ = writeln!(
            out,
            "  - {due}  {}  {}{unverified}",
            status_name(obligation.status, lang),
            obligation.id
        );
        let _ = writeln!(
            out,
            "      → {} — {}",
            obligation.recipient.get(lang),
            obligation.deadline_text.get(lang)
        );
        if let Some(note) = &obligation.note {
            let _ = writeln!(out, "      {}", note.get(lang));
        }
    }

    let publication = &guidance.publication;
    let _ = writeln!(out, "\n## {}", text(lang, "公表", "Publication"));
    let _ = writeln!(
        out,
        "  {}: {}",
        text(lang, "推奨", "Recommendation"),
        recommendation_name(publication.recommendation, lang)
    );
    for reason in &publication.reasons {
        let _ = writeln!(out, "    [{}] {}", reason.rule, reason.text.get(lang));
    }
    let _ = writeln!(out, "  {}:", text(lang, "確認項目", "Checklist"));
    for entry in &publication.checklist {
        let mark = if entry.done { "[x]" } else { "[ ]" };
        let _ = writeln!(out, "    {mark} {} ({})", entry.text.get(lang), entry.rule);
    }
    let _ = writeln!(
        out,
        "  {}:",
        text(
            lang,
            "公表までの経緯の説明案（G10）",
            "Draft: why it took this long (G10)"
        )
    );
    let _ = writeln!(out, "    {}", publication.delay_explanation.get(lang));

    let sharing = &guidance.sharing;
    let _ = writeln!(
        out,
        "\n## {}",
        text(lang, "情報共有のタイミング（G4）", "Sharing timing (G4)")
    );
    match (sharing.delay_hours, sharing.effectiveness) {
        (Some(delay), Some(effectiveness)) => {
            let shared = if sharing.first_shared_at.is_some() {
                text(
                    lang,
                    "発見から初回共有まで",
                    "from discovery to first share",
                )
            } else {
                text(
                    lang,
                    "発見から現在まで（未共有）",
                    "since discovery, nothing shared yet",
                )
            };
            let _ = writeln!(
                out,
                "  {delay:.1} h {shared}; {} {:.0}% ({} {} h); {}: {}",
                text(lang, "残存価値", "value left"),
                effectiveness * 100.0,
                text(lang, "半減期", "half-life"),
                sharing.half_life_hours,
                text(lang, "目的", "purpose"),
                sharing.purpose.as_str()
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  {}",
                text(lang, "発見時刻が不明", "discovery time unknown")
            );
        }
    }
    for warning in &sharing.warnings {
        let _ = writeln!(out, "  ! [{}] {}", warning.rule, warning.text.get(lang));
    }

    let _ = writeln!(
        out,
        "\n## {}",
        text(lang, "どこへ何を（M3）", "Where each piece goes (M3)")
    );
    for route in &guidance.routing {
        let _ = writeln!(
            out,
            "  - {} ({}) [{}] {}",
            route.to,
            route.what,
            route.rule,
            route.text.get(lang)
        );
    }
    out
}

/// The summary for executives and PR (M2): counts, decisions by item id and kind, the legal
/// deadlines and the publication advice in plain language — and no item's value or text, no
/// finding, no reason that quotes an item, since executives are promised no item details.
pub fn executive(assessment: &Assessment, incident: &Incident, lang: Lang) -> String {
    let mut out = header(assessment, lang);
    let guidance = &assessment.guidance;
    let _ = writeln!(
        out,
        "{}: {}",
        text(lang, "情報の項目数", "Items of information"),
        guidance.items.len()
    );
    let decisions = [
        (
            Decision::Allow,
            text(lang, "今すぐ出せる", "can go out now"),
        ),
        (
            Decision::Review,
            text(lang, "確認が必要", "need your review"),
        ),
        (Decision::Hold, text(lang, "保留", "held")),
        (
            Decision::Deny,
            text(lang, "出さない", "not for this channel"),
        ),
    ];
    let _ = writeln!(
        out,
        "\n## {}",
        text(lang, "経路ごとの判断", "Decisions by channel")
    );
    for channel in Channel::ALL {
        let _ = writeln!(out, "  {}:", channel_name(channel, lang));
        for (decision, name) in decisions {
            let entries: Vec<String> = guidance
                .items
                .iter()
                .filter(|item| item.channel(channel).decision == decision)
                .map(|item| {
                    let kind = incident
                        .items
                        .iter()
                        .find(|candidate| candidate.id == item.id)
                        .map(|candidate| kind_name(candidate.kind(), lang))
                        .unwrap_or_default();
                    let mut rules: Vec<&str> = item
                        .channel(channel)
                        .reasons
                        .iter()
                        .map(|reason| reason.rule)
                        .collect();
                    rules.dedup();
                    if rules.is_empty() || decision == Decision::Allow {
                        format!("{} ({kind})", item.id)
                    } else {
                        format!("{} ({kind}; {})", item.id, rules.join(", "))
                    }
                })
                .collect();
            if !entries.is_empty() {
                let _ = writeln!(out, "    {} {name}: {}", entries.len(), entries.join(", "));
            }
        }
    }
    let _ = writeln!(
        out,
        "\n## {}",
        text(lang, "法令上の報告期限（G14）", "Legal deadlines (G14)")
    );
    if assessment.obligations.is_empty() {
        let _ = writeln!(out, "  {}", text(lang, "（該当なし）", "(none apply)"));
    }
    for obligation in &assessment.obligations {
        let due = obligation
            .due
            .map(timestamp)
            .unwrap_or_else(|| text(lang, "期限の定めなし", "no fixed time").to_owned());
        let _ = writeln!(
            out,
            "  - {due}  {}  {} → {}",
            status_name(obligation.status, lang),
            obligation.id,
            obligation.recipient.get(lang)
        );
    }
    let publication = &guidance.publication;
    let _ = writeln!(out, "\n## {}", text(lang, "公表", "Publication"));
    let _ = writeln!(
        out,
        "  {}: {}",
        text(lang, "推奨", "Recommendation"),
        recommendation_name(publication.recommendation, lang)
    );
    let open = publication
        .checklist
        .iter()
        .filter(|entry| !entry.done)
        .count();
    let _ = writeln!(
        out,
        "  {}: {open} / {}",
        text(lang, "未完了の確認項目", "Checklist items still open"),
        publication.checklist.len()
    );
    for entry in publication.checklist.iter().filter(|entry| !entry.done) {
        let _ = writeln!(out, "    [ ] {} ({})", entry.text.get(lang), entry.rule);
    }
    let sharing = &guidance.sharing;
    if let (Some(delay), Some(effectiveness)) = (sharing.delay_hours, sharing.effectiveness) {
        let _ = writeln!(
            out,
            "\n## {}\n  {delay:.1} h; {} {:.0}%",
            text(lang, "情報共有のタイミング（G4）", "Sharing timing (G4)"),
            text(lang, "残存価値", "value left"),
            effectiveness * 100.0
        );
    }
    out
}
