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
