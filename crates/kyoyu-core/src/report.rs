//! The readable report of `kyoyu assess` for responders, PR and executives (guidance M2, M8).
//!
//! Key decision: the report opens with what to do first — the "do now" block of
//! [`crate::actions`], in the order things are due — and only then answers, item by item, what
//! can go out now, what needs a person, what waits and until when, and what is not for a
//! channel; then the legal deadlines, the publication advice, the sharing timing and the routes.
//! Every line names the rule behind it, but a rule's sentence is printed once: the report is
//! rendered twice, the first pass counting the sentences, so a sentence used more than once is
//! numbered where it first appears and referred to by number after that (one G12 sentence for
//! six items is one sentence, not seven). Every label comes from [`labels`] in both languages.
//!
//! [`brief`] is the executive's one screen: publish or not yet and why, what may be said, what
//! must not, what is due by when, and what waiting costs.

use std::collections::HashMap;
use std::fmt::Write as _;

use kyoyu_guidance::Decision;
use kyoyu_model::{Channel, Incident, ItemBody, ItemKind, Lang, Localized, Resolution};

use crate::actions::{Action, When, next_actions};
use crate::assess::Assessment;
use crate::json::timestamp;

/// Every fixed label of the report, in both languages.
pub mod labels {
    use kyoyu_guidance::{Decision, Grade, Purpose, Recommendation};
    use kyoyu_model::{Channel, ItemKind, Lang};

    /// A label in both languages.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Label {
        /// Japanese.
        pub ja: &'static str,
        /// English.
        pub en: &'static str,
    }

    impl Label {
        /// The label in a language.
        pub fn get(self, lang: Lang) -> &'static str {
            match lang {
                Lang::Ja => self.ja,
                Lang::En => self.en,
            }
        }
    }

    const fn label(ja: &'static str, en: &'static str) -> Label {
        Label { ja, en }
    }

    /// The kind of an item.
    pub fn kind(kind: ItemKind) -> Label {
        match kind {
            ItemKind::ResponseHistory => label("対応の経緯", "response history"),
            ItemKind::Damage => label("被害内容", "damage"),
            ItemKind::AttackTime => label("攻撃時期", "attack time"),
            ItemKind::Ttp => label("攻撃手法", "TTP"),
            ItemKind::Vulnerability => label("脆弱性", "vulnerability"),
            ItemKind::AbusedService => label("踏み台", "abused service"),
            ItemKind::Ioc => label("IoC（侵害の痕跡）", "IoC"),
            ItemKind::VictimIdentity => label("組織の特定情報", "victim identity"),
        }
    }

    /// A channel.
    pub fn channel(channel: Channel) -> Label {
        match channel {
            Channel::Share => label(
                "情報共有（ハブ・専門機関へ）",
                "sharing (to a hub or experts)",
            ),
            Channel::ExpertAlert => label("専門機関の注意喚起", "expert alert"),
            Channel::Publication => label("公表", "publication"),
        }
    }

    /// A decision group's heading.
    pub fn decision(decision: Decision) -> Label {
        match decision {
            Decision::Allow => label("今すぐ出せるもの", "Can go out now"),
            Decision::Review => label("確認が必要なもの", "Needs your review"),
            Decision::Hold => label("条件が整うまで保留", "Held until a condition is met"),
            Decision::Deny => label("この経路には出さないもの", "Not for this channel"),
        }
    }

    /// A grade of Table 4 (G3), spelled out for the legend.
    pub fn grade(grade: Grade) -> Label {
        match grade {
            Grade::StronglyRecommended => label("特に有効", "strongly recommended"),
            Grade::Recommended => label("有効", "recommended"),
            Grade::Conditional => label("条件付き", "conditional"),
            Grade::NotAppropriate => label("適さない", "not appropriate"),
        }
    }

    /// An obligation's status.
    pub fn status(status: kyoyu_obligations::Status) -> Label {
        use kyoyu_obligations::Status;
        match status {
            Status::Upcoming => label("期限前", "upcoming"),
            Status::DueSoon => label("期限間近", "due soon"),
            Status::Overdue => label("期限超過", "overdue"),
            Status::Done => label("提出済み", "done"),
            Status::OnRequest => label("求めに応じて", "on request"),
        }
    }

    /// A publication recommendation.
    pub fn recommendation(recommendation: Recommendation) -> Label {
        match recommendation {
            Recommendation::PublishNow => label("今すぐ公表する", "publish now"),
            Recommendation::PublishWhenReady => {
                label("準備が整い次第公表する", "publish when ready")
            }
            Recommendation::WaitForContainment => {
                label("封じ込めまで公表を待つ", "wait for containment")
            }
            Recommendation::Optional => label("公表は任意", "optional"),
            Recommendation::NotRecommended => label("公表は推奨しない", "not recommended"),
        }
    }

    /// The purpose shared technical information still serves (G4).
    pub fn purpose(purpose: Purpose) -> Label {
        match purpose {
            Purpose::Prevention => label(
                "予防（進行中の攻撃を止める）",
                "prevention (stops attacks now running)",
            ),
            Purpose::Retrospective => label(
                "掘り起こし（過去の被害の確認）",
                "retrospective (others check whether they were hit)",
            ),
        }
    }

    /// A routing destination of the contract.
    pub fn destination(to: &str) -> Label {
        match to {
            "coordination_center" => label("調整機関（CSIRT）", "coordination center (CSIRT)"),
            "ipa" => label("IPA", "IPA"),
            "police" => label("警察", "police"),
            "data_protection_authority" => {
                label("個人情報保護の監督機関", "data-protection authority")
            }
            "sector_regulator" => label("業所管の省庁・監督機関", "sector regulator"),
            "isac" => label("ISAC（業界の共有組織）", "ISAC (industry group)"),
            "insurer" => label("保険会社", "insurer"),
            "securities_regulator" => label(
                "証券取引所・証券規制当局",
                "stock exchange / securities regulator",
            ),
            "product_developer" => label("製品開発者", "product developer"),
            "stakeholders" => label(
                "関係者（取引先・顧客）",
                "stakeholders (partners, customers)",
            ),
            "public" => label("一般（公表）", "the public"),
            _ => label("その他", "other"),
        }
    }

    /// What goes to a destination.
    pub fn what(what: &str) -> Label {
        match what {
            "technical" => label("技術情報", "technical information"),
            "vulnerability" => label("脆弱性情報", "vulnerability information"),
            "context" => label("コンテクスト情報", "context information"),
            "context_and_technical" => label(
                "コンテクスト情報と技術情報",
                "context and technical information",
            ),
            "technical_and_context_under_terms" => label(
                "技術情報（コンテクストは規約の範囲で）",
                "technical information (context under the terms)",
            ),
            "report" => label("法令上の報告", "legal report"),
            _ => label("情報", "information"),
        }
    }

    /// An item field where a finding was made (`value`, `text`…); `None` for a sample path.
    pub fn field(field: &str) -> Option<Label> {
        Some(match field {
            "value" => label("値（value）", "value"),
            "text" => label("説明（text）", "text"),
            "product" => label("製品名（product）", "product"),
            "cve" => label("CVE 番号（cve）", "cve"),
            "technique" => label("手法（technique）", "technique"),
            _ => return None,
        })
    }

    /// Every fixed phrase of the report that is not one of the vocabularies above.
    pub const PHRASES: &[Label] = &[
        ASSESSED_AT,
        DO_NOW,
        DO_NOW_INTRO,
        OVERDUE,
        NOW,
        SOON,
        BY,
        PREPARE,
        DO_NOT,
        NOTHING,
        CONTENTS,
        DECISIONS,
        LEGEND,
        UNTIL,
        APPROVED,
        IDENTIFIER,
        IN_FIELD,
        AT_BYTE,
        SHA256,
        PASTE,
        YOUR_NAME,
        LEGAL,
        NONE_APPLY,
        NO_FIXED_TIME,
        UNVERIFIED,
        UNVERIFIED_LEGEND,
        PUBLICATION,
        RECOMMENDATION,
        CHECKLIST,
        DRAFT_DELAY,
        SHARING,
        FROM_DISCOVERY,
        SINCE_DISCOVERY,
        VALUE_LEFT,
        HALF_LIFE,
        PURPOSE,
        UNKNOWN_DISCOVERY,
        ROUTES,
        DONE_AT,
        SEE_NOTE,
        NOTE,
        BRIEF_PUBLISH,
        BRIEF_WHY,
        BRIEF_MAY_SAY,
        BRIEF_MUST_NOT,
        BRIEF_DUE,
        BRIEF_WAITING,
        BRIEF_NOTHING_YET,
        BRIEF_ITEMS_OUT,
        BRIEF_COST_DECAY,
        BRIEF_COST_SILENCE,
        BRIEF_COST_DEADLINE,
        BRIEF_COST_NONE,
        BRIEF_MORE,
        RELEASE_BY,
        RESOLUTION_NAMES,
    ];

    /// "Assessed at".
    pub const ASSESSED_AT: Label = label("評価時点", "Assessed at");
    /// The "do now" heading.
    pub const DO_NOW: Label = label("まず今やること", "Do now");
    /// The line under it.
    pub const DO_NOW_INTRO: Label = label(
        "上から順に。[ ] の中は根拠となる規則です（`kyoyu rules` で一覧）。",
        "Top to bottom. In [ ] the rule behind each step (`kyoyu rules` lists them).",
    );
    /// An overdue report.
    pub const OVERDUE: Label = label("期限超過", "OVERDUE");
    /// Today.
    pub const NOW: Label = label("今すぐ", "Now");
    /// As soon as possible.
    pub const SOON: Label = label("早急に", "As soon as possible");
    /// By a deadline.
    pub const BY: Label = label("期限", "Due");
    /// What to prepare.
    pub const PREPARE: Label = label("備える", "Prepare");
    /// What not to do.
    pub const DO_NOT: Label = label("してはいけないこと", "Do not");
    /// An empty section.
    pub const NOTHING: Label = label("（なし）", "(none)");
    /// A report's contents.
    pub const CONTENTS: Label = label("内容", "Contents");
    /// The decisions heading.
    pub const DECISIONS: Label = label("項目ごとの判断", "Decisions item by item");
    /// The legend of the marks.
    pub const LEGEND: Label = label(
        "記号は表4（G3）の評価：",
        "Marks are Table 4's grades (G3):",
    );
    /// "until".
    pub const UNTIL: Label = label("保留期限", "until");
    /// "approved".
    pub const APPROVED: Label = label("承認済み", "approved");
    /// "identifier".
    pub const IDENTIFIER: Label = label("組織を特定できる情報", "identifier of the organization");
    /// "in the field".
    pub const IN_FIELD: Label = label("場所", "in");
    /// "at byte".
    pub const AT_BYTE: Label = label("バイト目", "at byte");
    /// The sample's hash.
    pub const SHA256: Label = label("検体の SHA-256", "SHA-256 of the sample");
    /// Before an approval snippet.
    pub const PASTE: Label = label(
        "ハッシュだけを共有するなら、内容を確認した人がインシデントファイルの末尾に次を貼り付けます：",
        "To share the hash only, the person who checked it pastes this at the end of the incident file:",
    );
    /// The placeholder for the approver's name.
    pub const YOUR_NAME: Label = label("確認した人の名前", "name of the person who checked");
    /// The legal deadlines heading.
    pub const LEGAL: Label = label("法令上の報告期限（G14）", "Legal deadlines (G14)");
    /// No obligation applies.
    pub const NONE_APPLY: Label = label("（該当なし）", "(none apply)");
    /// No fixed deadline.
    pub const NO_FIXED_TIME: Label = label("期限の定めなし", "no fixed time");
    /// Unverified rule mark.
    pub const UNVERIFIED: Label = label("［未検証］", "[unverified]");
    /// Its explanation.
    pub const UNVERIFIED_LEGEND: Label = label(
        "［未検証］＝参照資料で一次情報を確認できていない規則。提出先や期限を必ず確認してください。",
        "[unverified] = a rule the legal reference could not confirm from a primary source; check its recipient and deadline.",
    );
    /// Publication heading.
    pub const PUBLICATION: Label = label("公表", "Publication");
    /// "Recommendation".
    pub const RECOMMENDATION: Label = label("推奨", "Recommendation");
    /// "Checklist".
    pub const CHECKLIST: Label = label("確認項目", "Checklist");
    /// The delay draft.
    pub const DRAFT_DELAY: Label = label(
        "公表までの経緯の説明案（G10）",
        "Draft: why it took this long (G10)",
    );
    /// Sharing heading.
    pub const SHARING: Label = label("情報共有のタイミング（G4）", "Sharing timing (G4)");
    /// Shared already.
    pub const FROM_DISCOVERY: Label =
        label("発見から初回共有まで", "from discovery to first share");
    /// Not shared yet.
    pub const SINCE_DISCOVERY: Label = label(
        "発見から現在まで（まだ共有していない）",
        "since discovery, nothing shared yet",
    );
    /// "value left".
    pub const VALUE_LEFT: Label = label("残っている価値", "value left");
    /// "half-life".
    pub const HALF_LIFE: Label = label("半減期", "half-life");
    /// "purpose".
    pub const PURPOSE: Label = label("今の共有で役立つこと", "what sharing now serves");
    /// No discovery time.
    pub const UNKNOWN_DISCOVERY: Label = label(
        "発見時刻が不明（`discovery` の出来事を書いてください）",
        "discovery time unknown (add a `discovery` event)",
    );
    /// Routes heading.
    pub const ROUTES: Label = label("どこへ何を（M3）", "Where each piece goes (M3)");
    /// A route done.
    pub const DONE_AT: Label = label("済み", "done");
    /// A reference to a numbered sentence.
    pub const SEE_NOTE: Label = label("→ 注", "→ see note ");
    /// A sentence's number.
    pub const NOTE: Label = label("注", "note ");
    /// Brief: the publication question.
    pub const BRIEF_PUBLISH: Label = label("公表するか", "Publish?");
    /// Brief: why.
    pub const BRIEF_WHY: Label = label("理由", "Why");
    /// Brief: what may be said.
    pub const BRIEF_MAY_SAY: Label = label("今、外に出してよいもの", "What may go out now");
    /// Brief: what must not.
    pub const BRIEF_MUST_NOT: Label = label(
        "出してはいけないもの・してはいけないこと",
        "What must not go out, and what not to do",
    );
    /// Brief: deadlines.
    pub const BRIEF_DUE: Label = label("期限のあるもの", "What is due by when");
    /// Brief: the cost of waiting.
    pub const BRIEF_WAITING: Label = label("待つことの代償", "What waiting costs");
    /// Brief: nothing may go out.
    pub const BRIEF_NOTHING_YET: Label = label("まだありません", "nothing yet");
    /// Brief: items that may go out.
    pub const BRIEF_ITEMS_OUT: Label = label(
        "件の技術情報をハブ・専門機関へ共有できます",
        "item(s) of technical information may be shared with a hub or experts",
    );
    /// Brief: the value decays.
    pub const BRIEF_COST_DECAY: Label = label(
        "共有する技術情報の価値は時間とともに下がります（G4）。残り",
        "Shared technical information loses value with time (G4); value left",
    );
    /// Brief: silence costs (M11).
    pub const BRIEF_COST_SILENCE: Label = label(
        "脅迫サイトや報道が先に出ると、公表していないこと自体が不信を招きます（M11）。第一報の用意を。",
        "If the leak site or the press goes first, silence itself costs trust (M11): have a first statement ready.",
    );
    /// Brief: a deadline passes.
    pub const BRIEF_COST_DEADLINE: Label =
        label("法令上の期限が来ます：", "A legal deadline passes:");
    /// Brief: no cost found.
    pub const BRIEF_COST_NONE: Label = label(
        "期限や価値の減衰で失うものは今のところ見当たりません。",
        "Nothing found that waiting would lose for now.",
    );
    /// Brief: where the details are.
    pub const BRIEF_MORE: Label = label(
        "詳しくは `kyoyu assess` の全体の報告を見てください。",
        "The full `kyoyu assess` report has the details.",
    );
    /// How to release a withheld item.
    pub const RELEASE_BY: Label = label("出すには", "to release");
    /// The resolutions, as one phrase for tests of both languages.
    pub const RESOLUTION_NAMES: Label = label(
        "approve（そのまま）, hash_only（ハッシュのみ）, redact（伏せ字）, reject（出さない）",
        "approve (as is), hash_only (hash only), redact (redacted copy), reject (do not send)",
    );
}

use labels::Label;

/// The numbered sentences of one report: a sentence used more than once is numbered where it
/// first appears and referred to by number after that.
#[derive(Default)]
struct Notes {
    /// How often each sentence is used (the first pass fills it).
    uses: HashMap<String, usize>,
    /// The numbers given so far (the second pass).
    numbers: HashMap<String, usize>,
    counting: bool,
}

impl Notes {
    /// `[RULE] sentence`, `[RULE] sentence（注1）` or `[RULE] → 注1`.
    fn cite(&mut self, rule: &str, text: &str, lang: Lang) -> String {
        let key = format!("{rule}\u{0}{text}");
        if self.counting {
            *self.uses.entry(key).or_default() += 1;
            return format!("[{rule}] {text}");
        }
        if self.uses.get(&key).copied().unwrap_or(0) < 2 {
            return format!("[{rule}] {text}");
        }
        if let Some(number) = self.numbers.get(&key) {
            return format!("[{rule}] {}{number}", labels::SEE_NOTE.get(lang));
        }
        let number = self.numbers.len() + 1;
        self.numbers.insert(key, number);
        match lang {
            Lang::Ja => format!("[{rule}] {text}（{}{number}）", labels::NOTE.ja),
            Lang::En => format!("[{rule}] {text} ({}{number})", labels::NOTE.en),
        }
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
fn item_label(incident: &Incident, id: &str, lang: Lang) -> String {
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
    let kind = labels::kind(item.kind()).get(lang);
    match detail {
        Some(detail) => format!("{id} [{kind}] {}", shorten(&detail, 48)),
        None => format!("{id} [{kind}]"),
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
        labels::ASSESSED_AT.get(lang),
        timestamp(assessment.assessed_at)
    );
    out
}

fn when_label(when: When, lang: Lang) -> String {
    let fixed: Label = match when {
        When::Overdue(_) => labels::OVERDUE,
        When::Now => labels::NOW,
        When::Soon => labels::SOON,
        When::By(_) => labels::BY,
        When::Prepare => labels::PREPARE,
        When::Never => labels::DO_NOT,
    };
    match when.due() {
        Some(due) => format!("{} {}", fixed.get(lang), timestamp(due)),
        None => fixed.get(lang).to_owned(),
    }
}

/// The "do now" block.
fn do_now(out: &mut String, actions: &[Action], notes: &mut Notes, lang: Lang) {
    let _ = writeln!(out, "\n## {}", labels::DO_NOW.get(lang));
    let _ = writeln!(out, "  {}", labels::DO_NOW_INTRO.get(lang));
    if actions.is_empty() {
        let _ = writeln!(out, "  {}", labels::NOTHING.get(lang));
    }
    let mut previous: Option<String> = None;
    for action in actions {
        let heading = when_label(action.when, lang);
        // One heading per group of undated steps; every dated step shows its own time.
        if action.when.due().is_some() || previous.as_deref() != Some(heading.as_str()) {
            let _ = writeln!(out, "  ■ {heading}");
        }
        let _ = writeln!(
            out,
            "    - {}",
            notes.cite(&action.rule, action.text.get(lang), lang)
        );
        if let Some(detail) = &action.detail {
            let _ = writeln!(out, "      {}", detail.get(lang));
        }
        previous = Some(heading);
    }
}

fn resolution_text(resolution: Resolution) -> &'static str {
    resolution.as_str()
}

/// The decisions, item by item, grouped by decision then channel.
fn decisions(
    out: &mut String,
    assessment: &Assessment,
    incident: &Incident,
    notes: &mut Notes,
    lang: Lang,
) {
    use kyoyu_guidance::Grade;
    let guidance = &assessment.guidance;
    let _ = writeln!(out, "\n## {}", labels::DECISIONS.get(lang));
    let legend: Vec<String> = [
        Grade::StronglyRecommended,
        Grade::Recommended,
        Grade::Conditional,
        Grade::NotAppropriate,
    ]
    .into_iter()
    .map(|grade| format!("{} {}", grade.symbol(), labels::grade(grade).get(lang)))
    .collect();
    let _ = writeln!(
        out,
        "  {} {}",
        labels::LEGEND.get(lang),
        legend.join(match lang {
            Lang::Ja => "、",
            Lang::En => ", ",
        })
    );
    for decision in [
        Decision::Allow,
        Decision::Review,
        Decision::Hold,
        Decision::Deny,
    ] {
        let _ = writeln!(out, "\n### {}", labels::decision(decision).get(lang));
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
            let _ = writeln!(out, "  {}:", labels::channel(channel).get(lang));
            for item in entries {
                let verdict = item.channel(channel);
                let _ = writeln!(
                    out,
                    "    - {} ({})",
                    item_label(incident, item.id.as_str(), lang),
                    verdict.grade
                );
                if let Some(until) = &verdict.until {
                    let _ = writeln!(
                        out,
                        "        {}: {}",
                        labels::UNTIL.get(lang),
                        until.get(lang)
                    );
                }
                if decision != Decision::Allow {
                    for reason in &verdict.reasons {
                        let _ = writeln!(
                            out,
                            "        {}",
                            notes.cite(reason.rule, reason.text.get(lang), lang)
                        );
                    }
                }
                if let Some((resolution, by)) = &verdict.approval {
                    let _ = writeln!(
                        out,
                        "        {}: {} ({by})",
                        labels::APPROVED.get(lang),
                        resolution_text(*resolution)
                    );
                }
                if channel == Channel::Share {
                    for finding in &item.findings {
                        let _ = writeln!(
                            out,
                            "        [G6] {} `{}` ({}; {} {}{})",
                            labels::IDENTIFIER.get(lang),
                            finding.matched,
                            finding.encoding,
                            labels::IN_FIELD.get(lang),
                            labels::field(&finding.source)
                                .map_or(finding.source.as_str(), |field| field.get(lang)),
                            match lang {
                                Lang::Ja => format!("、{} {}", finding.offset, labels::AT_BYTE.ja),
                                Lang::En => format!(", {} {}", labels::AT_BYTE.en, finding.offset),
                            }
                        );
                    }
                    if decision == Decision::Review && verdict.approval.is_none() {
                        hash_only_hint(out, assessment, item, lang);
                    }
                }
            }
        }
        if !any {
            let _ = writeln!(out, "  {}", labels::NOTHING.get(lang));
        }
    }
}

/// For a sample waiting for review: its SHA-256 and the approval to paste (G6: share by hash).
fn hash_only_hint(
    out: &mut String,
    assessment: &Assessment,
    item: &kyoyu_guidance::ItemAssessment,
    lang: Lang,
) {
    let Some(hash) = &item.sample_sha256 else {
        return;
    };
    let _ = writeln!(out, "        {}: {hash}", labels::SHA256.get(lang));
    let _ = writeln!(out, "        {}", labels::PASTE.get(lang));
    for line in approval_snippet(item.id.as_str(), assessment, lang).lines() {
        let _ = writeln!(out, "          {line}");
    }
}

/// The `[[approvals]]` table that releases an item's hash for sharing.
pub fn approval_snippet(item: &str, assessment: &Assessment, lang: Lang) -> String {
    format!(
        "[[approvals]]\nitem = \"{item}\"\nchannel = \"share\"\nby = \"{}\"\nat = \"{}\"\nresolution = \"hash_only\"\n",
        labels::YOUR_NAME.get(lang),
        timestamp(assessment.assessed_at)
    )
}

fn legal(out: &mut String, assessment: &Assessment, lang: Lang) {
    let _ = writeln!(out, "\n## {}", labels::LEGAL.get(lang));
    if assessment.obligations.is_empty() {
        let _ = writeln!(out, "  {}", labels::NONE_APPLY.get(lang));
    }
    for obligation in &assessment.obligations {
        let unverified = if obligation.verified {
            String::new()
        } else {
            format!(" {}", labels::UNVERIFIED.get(lang))
        };
        // A duty without a fixed time has no "due soon": its status is what is asked of it.
        let when = match obligation.due {
            Some(due) => format!(
                "{}  {}",
                timestamp(due),
                labels::status(obligation.status).get(lang)
            ),
            None => match obligation.status {
                kyoyu_obligations::Status::Done | kyoyu_obligations::Status::OnRequest => {
                    labels::status(obligation.status).get(lang).to_owned()
                }
                _ => labels::NO_FIXED_TIME.get(lang).to_owned(),
            },
        };
        let _ = writeln!(out, "  - {when}  {}{unverified}", obligation.id);
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
    if assessment
        .obligations
        .iter()
        .any(|obligation| !obligation.verified)
    {
        let _ = writeln!(out, "  {}", labels::UNVERIFIED_LEGEND.get(lang));
    }
}

fn publication(out: &mut String, assessment: &Assessment, notes: &mut Notes, lang: Lang) {
    let publication = &assessment.guidance.publication;
    let _ = writeln!(out, "\n## {}", labels::PUBLICATION.get(lang));
    let _ = writeln!(
        out,
        "  {}: {}",
        labels::RECOMMENDATION.get(lang),
        labels::recommendation(publication.recommendation).get(lang)
    );
    for reason in &publication.reasons {
        let _ = writeln!(
            out,
            "    {}",
            notes.cite(reason.rule, reason.text.get(lang), lang)
        );
    }
    let _ = writeln!(out, "  {}:", labels::CHECKLIST.get(lang));
    for entry in &publication.checklist {
        let mark = if entry.done { "[x]" } else { "[ ]" };
        let _ = writeln!(out, "    {mark} {} ({})", entry.text.get(lang), entry.rule);
    }
    let _ = writeln!(out, "  {}:", labels::DRAFT_DELAY.get(lang));
    let _ = writeln!(out, "    {}", publication.delay_explanation.get(lang));
}

fn sharing(out: &mut String, assessment: &Assessment, notes: &mut Notes, lang: Lang) {
    let sharing = &assessment.guidance.sharing;
    let _ = writeln!(out, "\n## {}", labels::SHARING.get(lang));
    match (sharing.delay_hours, sharing.effectiveness) {
        (Some(delay), Some(effectiveness)) => {
            let shared = if sharing.first_shared_at.is_some() {
                labels::FROM_DISCOVERY
            } else {
                labels::SINCE_DISCOVERY
            };
            let _ = writeln!(
                out,
                "  {delay:.1} h {}; {} {:.0}% ({} {} h); {}: {}",
                shared.get(lang),
                labels::VALUE_LEFT.get(lang),
                effectiveness * 100.0,
                labels::HALF_LIFE.get(lang),
                sharing.half_life_hours,
                labels::PURPOSE.get(lang),
                labels::purpose(sharing.purpose).get(lang)
            );
        }
        _ => {
            let _ = writeln!(out, "  {}", labels::UNKNOWN_DISCOVERY.get(lang));
        }
    }
    for warning in &sharing.warnings {
        let _ = writeln!(
            out,
            "  ! {}",
            notes.cite(warning.rule, warning.text.get(lang), lang)
        );
    }
}

fn routes(out: &mut String, assessment: &Assessment, notes: &mut Notes, lang: Lang) {
    let _ = writeln!(out, "\n## {}", labels::ROUTES.get(lang));
    for route in &assessment.guidance.routing {
        let done = route
            .done_at
            .map(|at| format!(" ✓ {} {}", labels::DONE_AT.get(lang), timestamp(at)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {}（{}）{done}",
            labels::destination(&route.to).get(lang),
            labels::what(&route.what).get(lang),
        );
        let _ = writeln!(
            out,
            "      {}",
            notes.cite(&route.rule, route.text.get(lang), lang)
        );
    }
}

fn full(assessment: &Assessment, incident: &Incident, notes: &mut Notes, lang: Lang) -> String {
    let mut out = header(assessment, lang);
    do_now(&mut out, &next_actions(assessment), notes, lang);
    decisions(&mut out, assessment, incident, notes, lang);
    legal(&mut out, assessment, lang);
    publication(&mut out, assessment, notes, lang);
    sharing(&mut out, assessment, notes, lang);
    routes(&mut out, assessment, notes, lang);
    out
}

/// Renders the readable report: "do now" first, then the decisions and the rest, each rule
/// sentence once.
pub fn render(assessment: &Assessment, incident: &Incident, lang: Lang) -> String {
    let mut notes = Notes {
        counting: true,
        ..Notes::default()
    };
    full(assessment, incident, &mut notes, lang);
    notes.counting = false;
    full(assessment, incident, &mut notes, lang)
}

/// The executive's one screen (`kyoyu assess --brief`, M2, M11): publish or not yet and why,
/// what may go out, what must not, what is due by when, and what waiting costs — no item's
/// value or text.
pub fn brief(assessment: &Assessment, incident: &Incident, lang: Lang) -> String {
    let mut out = header(assessment, lang);
    let guidance = &assessment.guidance;
    let publication = &guidance.publication;
    let _ = writeln!(
        out,
        "\n■ {}: {}",
        labels::BRIEF_PUBLISH.get(lang),
        labels::recommendation(publication.recommendation).get(lang)
    );
    for reason in publication.reasons.iter().take(3) {
        let _ = writeln!(
            out,
            "  {}: [{}] {}",
            labels::BRIEF_WHY.get(lang),
            reason.rule,
            reason.text.get(lang)
        );
    }

    let _ = writeln!(out, "\n■ {}", labels::BRIEF_MAY_SAY.get(lang));
    let shareable = guidance
        .items
        .iter()
        .filter(|item| item.channel(Channel::Share).decision == Decision::Allow)
        .count();
    let publishable: Vec<&str> = guidance
        .items
        .iter()
        .filter(|item| item.channel(Channel::Publication).decision == Decision::Allow)
        .filter_map(|item| incident.item(item.id.as_str()))
        .map(|item| labels::kind(item.kind()).get(lang))
        .collect();
    if shareable == 0 && publishable.is_empty() {
        let _ = writeln!(out, "  {}", labels::BRIEF_NOTHING_YET.get(lang));
    }
    if shareable > 0 {
        let _ = writeln!(out, "  - {shareable} {}", labels::BRIEF_ITEMS_OUT.get(lang));
    }
    if !publishable.is_empty() {
        let mut kinds = publishable.clone();
        kinds.dedup();
        let _ = writeln!(
            out,
            "  - {}: {}",
            labels::channel(Channel::Publication).get(lang),
            kinds.join(", ")
        );
    }

    let _ = writeln!(out, "\n■ {}", labels::BRIEF_MUST_NOT.get(lang));
    let held: Vec<ItemKind> = guidance
        .items
        .iter()
        .filter(|item| {
            matches!(
                item.channel(Channel::Publication).decision,
                Decision::Hold | Decision::Deny
            )
        })
        .filter_map(|item| incident.item(item.id.as_str()).map(|item| item.kind()))
        .collect();
    if !held.is_empty() {
        let mut kinds: Vec<&str> = held
            .iter()
            .map(|kind| labels::kind(*kind).get(lang))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let _ = writeln!(
            out,
            "  - {} ✗ {}",
            labels::channel(Channel::Publication).get(lang),
            kinds.join(", ")
        );
    }
    let actions = next_actions(assessment);
    for action in actions.iter().filter(|action| action.when == When::Never) {
        let _ = writeln!(
            out,
            "  - [{}] {}",
            action.rule,
            first_sentence(action.text.get(lang))
        );
    }

    let _ = writeln!(out, "\n■ {}", labels::BRIEF_DUE.get(lang));
    let mut any_due = false;
    for action in actions
        .iter()
        .filter(|action| {
            matches!(
                action.when,
                When::Overdue(_) | When::By(_) | When::Now | When::Soon
            )
        })
        .take(8)
    {
        any_due = true;
        let _ = writeln!(
            out,
            "  - {}: [{}] {}",
            when_label(action.when, lang),
            action.rule,
            first_sentence(action.text.get(lang))
        );
    }
    if !any_due {
        let _ = writeln!(out, "  {}", labels::NOTHING.get(lang));
    }

    let _ = writeln!(out, "\n■ {}", labels::BRIEF_WAITING.get(lang));
    let mut costs = 0;
    if let Some(effectiveness) = guidance.sharing.effectiveness
        && shareable > 0
        && guidance.sharing.first_shared_at.is_none()
    {
        costs += 1;
        let _ = writeln!(
            out,
            "  - {} {:.0}%",
            labels::BRIEF_COST_DECAY.get(lang),
            effectiveness * 100.0
        );
    }
    if let Some(next) = actions.iter().find_map(|action| match action.when {
        When::Overdue(due) | When::By(due) => Some((due, action)),
        _ => None,
    }) {
        costs += 1;
        let _ = writeln!(
            out,
            "  - {} {} {}",
            labels::BRIEF_COST_DEADLINE.get(lang),
            timestamp(next.0),
            next.1.id
        );
    }
    if incident.facts.double_extortion || incident.facts.media_reported {
        costs += 1;
        let _ = writeln!(out, "  - {}", labels::BRIEF_COST_SILENCE.get(lang));
    }
    if costs == 0 {
        let _ = writeln!(out, "  {}", labels::BRIEF_COST_NONE.get(lang));
    }
    let _ = writeln!(out, "\n{}", labels::BRIEF_MORE.get(lang));
    out
}

/// The first sentence of an advice text, for the one-screen brief.
fn first_sentence(text: &str) -> &str {
    let end = text
        .char_indices()
        .find(|(index, character)| {
            *character == '。'
                || (*character == '.'
                    && text[index + 1..].starts_with(' ')
                    && !text[..*index].ends_with("e.g")
                    && !text[..*index].ends_with("Art"))
        })
        .map(|(index, character)| index + character.len_utf8())
        .unwrap_or(text.len());
    &text[..end]
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
        Localized::new("情報の項目数", "Items of information").get(lang),
        guidance.items.len()
    );
    let _ = writeln!(out, "\n## {}", labels::DECISIONS.get(lang));
    for channel in Channel::ALL {
        let _ = writeln!(out, "  {}:", labels::channel(channel).get(lang));
        for decision in [
            Decision::Allow,
            Decision::Review,
            Decision::Hold,
            Decision::Deny,
        ] {
            let entries: Vec<String> = guidance
                .items
                .iter()
                .filter(|item| item.channel(channel).decision == decision)
                .map(|item| {
                    let kind = incident
                        .item(item.id.as_str())
                        .map(|candidate| labels::kind(candidate.kind()).get(lang))
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
                let _ = writeln!(
                    out,
                    "    {} {}: {}",
                    entries.len(),
                    labels::decision(decision).get(lang),
                    entries.join(", ")
                );
            }
        }
    }
    let mut notes = Notes::default();
    let actions = next_actions(assessment);
    do_now(&mut out, &actions, &mut notes, lang);
    legal(&mut out, assessment, lang);
    let publication = &guidance.publication;
    let _ = writeln!(out, "\n## {}", labels::PUBLICATION.get(lang));
    let _ = writeln!(
        out,
        "  {}: {}",
        labels::RECOMMENDATION.get(lang),
        labels::recommendation(publication.recommendation).get(lang)
    );
    for entry in publication.checklist.iter().filter(|entry| !entry.done) {
        let _ = writeln!(out, "    [ ] {} ({})", entry.text.get(lang), entry.rule);
    }
    let sharing = &guidance.sharing;
    if let (Some(delay), Some(effectiveness)) = (sharing.delay_hours, sharing.effectiveness) {
        let _ = writeln!(
            out,
            "\n## {}\n  {delay:.1} h; {} {:.0}%",
            labels::SHARING.get(lang),
            labels::VALUE_LEFT.get(lang),
            effectiveness * 100.0
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use kyoyu_guidance::routing::DESTINATIONS;
    use kyoyu_guidance::{Decision, Grade, Purpose, Recommendation};
    use kyoyu_model::{Channel, ItemKind};
    use kyoyu_obligations::Status;

    use super::labels::{self, Label};

    fn japanese(text: &str) -> bool {
        text.chars().any(|c| {
            ('\u{3040}'..='\u{30FF}').contains(&c) || ('\u{4E00}'..='\u{9FFF}').contains(&c)
        })
    }

    /// Every label of the report: the fixed phrases and each vocabulary, over every value.
    fn every_label() -> Vec<Label> {
        let mut all: Vec<Label> = labels::PHRASES.to_vec();
        all.extend(ItemKind::ALL.map(labels::kind));
        all.extend(Channel::ALL.map(labels::channel));
        all.extend(
            [
                Decision::Allow,
                Decision::Review,
                Decision::Hold,
                Decision::Deny,
            ]
            .map(labels::decision),
        );
        all.extend(
            [
                Grade::StronglyRecommended,
                Grade::Recommended,
                Grade::Conditional,
                Grade::NotAppropriate,
            ]
            .map(labels::grade),
        );
        all.extend(
            [
                Status::Upcoming,
                Status::DueSoon,
                Status::Overdue,
                Status::Done,
                Status::OnRequest,
            ]
            .map(labels::status),
        );
        all.extend(
            [
                Recommendation::PublishNow,
                Recommendation::PublishWhenReady,
                Recommendation::WaitForContainment,
                Recommendation::Optional,
                Recommendation::NotRecommended,
            ]
            .map(labels::recommendation),
        );
        all.extend([Purpose::Prevention, Purpose::Retrospective].map(labels::purpose));
        all.extend(DESTINATIONS.map(labels::destination));
        all.extend(
            ["value", "text", "product", "cve", "technique"]
                .iter()
                .filter_map(|field| labels::field(field)),
        );
        all
    }

    #[test]
    fn every_label_exists_in_both_languages() {
        let all = every_label();
        assert!(all.len() > 90, "{} labels", all.len());
        for label in all {
            assert!(
                !label.ja.trim().is_empty() && !label.en.trim().is_empty(),
                "{label:?}"
            );
            // A proper name (IPA) reads the same; anything else is written in Japanese.
            assert!(
                japanese(label.ja) || label.ja == label.en,
                "not Japanese: {label:?}"
            );
            assert!(!japanese(label.en), "not English: {label:?}");
        }
    }

    #[test]
    fn every_destination_and_content_of_the_routing_table_has_its_label() {
        let fallback = labels::destination("no such destination");
        for to in DESTINATIONS {
            assert_ne!(labels::destination(to), fallback, "{to}");
        }
        let routes = include_str!("../../kyoyu-guidance/data/routes.toml");
        let fallback = labels::what("no such content");
        for line in routes.lines() {
            if let Some(what) = line.strip_prefix("what = \"") {
                let what = what.trim_end_matches('"');
                assert_ne!(labels::what(what), fallback, "{what}");
            }
        }
        assert_ne!(labels::what("report"), fallback);
    }
}
