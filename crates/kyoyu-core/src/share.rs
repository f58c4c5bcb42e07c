//! The share use case the CLI (`kyoyu export`) and the server (`POST /api/incidents/{id}/shares`)
//! both call: assess, pass the egress gate, write the package as STIX or MISP — and say, item by
//! item, what left, so the server can write each outflow to the audit log.
//!
//! Key decision: one function from incident to document plus its release list, so no caller can
//! serialize something the gate did not decide, and the audit record is derived from the same
//! package that was written.

use std::path::Path;

use kyoyu_model::{Community, Incident, Timestamp, Tlp};

use crate::egress::{EgressError, Form, PseudonymKey, Withheld, share_package};
use crate::export::ExportError;
use crate::{AssessError, AssessSettings, assess};

/// The format of the written package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareFormat {
    /// A STIX 2.1 bundle.
    Stix,
    /// A MISP event (wrapped, as PyMISP writes it).
    Misp,
}

/// One item that left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    /// The item's id.
    pub item: String,
    /// Its TLP marking.
    pub tlp: Tlp,
    /// How it left.
    pub form: Form,
    /// Who approved it, when it needed an approval.
    pub approved_by: Option<String>,
}

/// A written package.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The document (JSON text).
    pub document: String,
    /// The community as the gate judged it.
    pub community: Community,
    /// What left: the releases the document holds (the audit log's `released` entries).
    pub released: Vec<Released>,
    /// Items the gate kept back, with why.
    pub withheld: Vec<Withheld>,
    /// Items released but with no form in the format (said on stderr by the CLI).
    pub skipped: Vec<String>,
}

/// Why a package cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The assessment failed.
    #[error(transparent)]
    Assess(#[from] AssessError),
    /// The gate refused the request as a whole (unknown community, unreadable sample).
    #[error(transparent)]
    Egress(#[from] EgressError),
    /// Writing the format failed.
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// Assesses `incident` at `at` and writes what the gate lets go toward `community`; sample
/// paths are relative to `samples_base`; pseudonym and ids keyed with `key`.
pub fn share(
    incident: &Incident,
    samples_base: &Path,
    community: &str,
    format: ShareFormat,
    at: Timestamp,
    key: &PseudonymKey,
) -> Result<Shared, ShareError> {
    let assessment = assess(incident, samples_base, at, &AssessSettings::default())?;
    let package = share_package(incident, &assessment, community, samples_base, key)?;
    let (document, written) = match format {
        ShareFormat::Misp => {
            let (event, written) = crate::export::misp_event(&package, at);
            (
                kyoyu_misp::export_event_pretty(&event, kyoyu_misp::Envelope::Wrapped),
                written,
            )
        }
        ShareFormat::Stix => crate::export::stix_bundle(&package, at)?,
    };
    // What is recorded as released is what actually left, in the form it left: a release the
    // format could not express never left (it is said in `skipped`).
    let skipped = written.skipped;
    let released = package
        .releases
        .iter()
        .filter(|release| written.left.contains(&release.item))
        .map(|release| Released {
            item: release.item.as_str().to_owned(),
            tlp: release.tlp,
            form: release.form,
            approved_by: release.approved_by.clone(),
        })
        .collect();
    Ok(Shared {
        document,
        community: package.community,
        released,
        withheld: package.withheld,
        skipped,
    })
}

/// A withheld item as a person acts on it: what was found (every reason with its rule) and how
/// it can be released — an approval to record for `review`, the condition to wait for for
/// `hold`, nothing for `deny` (not for this community). One line per entry, in `lang`.
pub fn describe_withheld(withheld: &Withheld, lang: kyoyu_model::Lang) -> Vec<String> {
    use kyoyu_guidance::Decision;
    use kyoyu_model::Lang;
    let ja = lang == Lang::Ja;
    let decision = match (withheld.decision, ja) {
        (Decision::Review, true) => "確認待ち",
        (Decision::Review, false) => "needs review",
        (Decision::Hold, true) => "保留",
        (Decision::Hold, false) => "held",
        (Decision::Deny, true) => "この共有先には出さない",
        (Decision::Deny, false) => "not for this community",
        (Decision::Allow, true) => "許可",
        (Decision::Allow, false) => "allowed",
    };
    let mut lines = vec![if ja {
        format!("保留した項目 {}（{decision}）", withheld.item)
    } else {
        format!("withheld {} ({decision})", withheld.item)
    }];
    for reason in &withheld.reasons {
        lines.push(format!("  [{}] {}", reason.rule, reason.text.get(lang)));
    }
    let release = match (withheld.decision, ja) {
        (Decision::Review, true) => format!(
            "  出すには：確認した人がインシデントファイルに [[approvals]] を記録する（item = \"{}\"、channel = \"share\"、resolution = \"approve\"・\"redact\"・\"hash_only\" のいずれか。`kyoyu assess` の報告に貼り付け用の例があります）",
            withheld.item
        ),
        (Decision::Review, false) => format!(
            "  to release: the person who checked it records an [[approvals]] entry in the incident file (item = \"{}\", channel = \"share\", resolution = \"approve\", \"redact\" or \"hash_only\"; the `kyoyu assess` report shows one to paste)",
            withheld.item
        ),
        (Decision::Hold, true) => {
            "  出すには：上の理由の条件が整うのを待つ（整えば次の export に自動的に入ります）"
                .to_owned()
        }
        (Decision::Hold, false) => {
            "  to release: wait until the condition above holds (the next export then includes it)"
                .to_owned()
        }
        (Decision::Deny, true) => "  この共有先には出せません（承認でも解除されません）".to_owned(),
        (Decision::Deny, false) => {
            "  cannot go to this community (an approval does not lift it)".to_owned()
        }
        (Decision::Allow, _) => String::new(),
    };
    if !release.is_empty() {
        lines.push(release);
    }
    lines
}
