//! The one egress gate: the single policy decision every outflow passes through (share
//! packages now; TAXII, REST, documents and sync later).
//!
//! Key decision: the gate re-derives what may leave from the assessment *and* enforces the hard
//! invariants itself, as a second line of defence: only items whose decision toward this community
//! is `allow` (or a `review` a person approved) leave; context never goes to a type-A hub; no
//! outgoing text carries a profile identifier (it is redacted, or the item is withheld); a sample
//! with findings leaves by hash only; the producer toward a hub is a pseudonym, never the victim.
//! Exporters serialize a [`Package`] and nothing else, so no export path can build its own policy.
//!
//! The server's collections pass through here too: [`may_deliver`] decides, object by object,
//! whether a stored STIX object may reach a reader, from the reader's standing in the community
//! *and* the object's TLP (G8) — never from the collection alone.

use std::path::Path;

use kyoyu_guidance::{Decision, Reason};
use kyoyu_model::{
    AttackTechnique, AttackWindow, Channel, Community, CommunityKind, Cve, Incident, InfoClass,
    IocType, Item, ItemBody, ItemId, Localized, Resolution, Tlp,
};
use kyoyu_scan::{Placeholders, Scanner};
use sha2::{Digest, Sha256};

use crate::assess::Assessment;

/// How an item leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// As it is (its text holds no profile identifier).
    AsIs,
    /// Only the sample's hashes; never the file, never its path.
    HashOnly,
    /// Its texts with every profile identifier replaced by a placeholder.
    Redacted,
}

impl Form {
    /// The name in the audit log and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::AsIs => "as_is",
            Form::HashOnly => "hash_only",
            Form::Redacted => "redacted",
        }
    }
}

/// Exactly what of one item may leave: every field here was scanned for the organization's
/// identifiers by the gate (and redacted where a person approved a redaction). Exporters read
/// this and nothing else — they never see the [`Item`] — so a field the gate did not check
/// cannot reach a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// An indicator: its observable type, its value, and the SHA-256 of its sample file.
    Indicator {
        /// The observable type.
        ioc_type: IocType,
        /// The value (absent when only the sample's hash leaves).
        value: Option<String>,
        /// The SHA-256 of the sample, hex; the file and its path never leave (G6).
        sample_sha256: Option<String>,
        /// The description.
        description: Option<String>,
    },
    /// A technique.
    Technique {
        /// The ATT&CK id.
        technique: Option<AttackTechnique>,
        /// The description.
        description: Option<String>,
    },
    /// An exploited vulnerability.
    Vulnerability {
        /// The CVE id.
        cve: Option<Cve>,
        /// The product and version.
        product: Option<String>,
        /// The description.
        description: Option<String>,
    },
    /// An abused third-party service.
    AbusedService {
        /// Its address or name.
        value: Option<String>,
        /// The description.
        description: Option<String>,
    },
    /// The attack's observed window (times only).
    AttackWindow(AttackWindow),
    /// A context item an ISAC's terms let through; the share formats have no object for it.
    Context {
        /// The description.
        description: Option<String>,
    },
}

impl Content {
    /// Every text that leaves with this content (what a test or a reviewer scans).
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = Vec::new();
        match self {
            Content::Indicator {
                value,
                sample_sha256,
                description,
                ..
            } => texts.extend(
                [value, sample_sha256, description]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            ),
            Content::Technique {
                technique,
                description,
            } => {
                texts.extend(technique.as_ref().map(AttackTechnique::as_str));
                texts.extend(description.as_deref());
            }
            Content::Vulnerability {
                cve,
                product,
                description,
            } => {
                texts.extend(cve.as_ref().map(Cve::as_str));
                texts.extend(
                    [product, description]
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
            Content::AbusedService { value, description } => texts.extend(
                [value, description]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            ),
            Content::AttackWindow(_) => {}
            Content::Context { description } => texts.extend(description.as_deref()),
        }
        texts
    }
}

/// One item that may leave, decided by the gate and owned: nothing in it borrows the incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The item's id. Never written into a document: it names the item in the sender's own
    /// audit log and is hashed into the derived object ids.
    pub item: ItemId,
    /// The TLP it leaves with: exactly the label the gate decided ([`Item::share_tlp`]: its own,
    /// or TLP:AMBER when unmarked), never above the community's ceiling.
    pub tlp: Tlp,
    /// How it leaves.
    pub form: Form,
    /// What leaves.
    pub content: Content,
    /// Who approved it, when it needed an approval.
    pub approved_by: Option<String>,
}

/// An item kept back, and why.
#[derive(Debug, Clone)]
pub struct Withheld {
    /// The item.
    pub item: ItemId,
    /// The decision that kept it.
    pub decision: Decision,
    /// The reasons, with rule ids.
    pub reasons: Vec<Reason>,
}

/// Who the package says it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Producer {
    /// A stable pseudonym (toward a type-A hub: G5, G7).
    Pseudonym(String),
    /// The organization's name (toward a type-B ISAC, under its membership terms: G5).
    Named(String),
}

impl Producer {
    /// The name to write.
    pub fn name(&self) -> &str {
        match self {
            Producer::Pseudonym(name) | Producer::Named(name) => name,
        }
    }
}

/// What may leave toward one community, decided once. Owned, so a use case can hand it to a
/// writer on another thread.
#[derive(Debug, Clone)]
pub struct Package {
    /// The community as the gate judged it (its kind and TLP ceiling).
    pub community: Community,
    /// The producer identity to put on the objects.
    pub producer: Producer,
    /// What leaves.
    pub releases: Vec<Release>,
    /// What stays, with why.
    pub withheld: Vec<Withheld>,
    /// The namespace the exporters derive object ids in (hashed, never written).
    id_namespace: String,
}

impl Package {
    /// The namespace of derived ids: the same incident toward the same community gives the
    /// same ids, so receivers deduplicate re-exports.
    pub fn id_namespace(&self) -> &str {
        &self.id_namespace
    }
}

/// A package that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The community is not declared in the incident.
    #[error("communities: no community has the id `{0}`")]
    UnknownCommunity(String),
    /// The assessment is of another incident.
    #[error("the assessment is of incident `{assessed}`, not `{incident}`")]
    WrongAssessment {
        /// The incident given.
        incident: String,
        /// The incident assessed.
        assessed: String,
    },
    /// A sample file could not be read to compute its hash.
    #[error("{path}: cannot read the sample to hash it: {source}")]
    Sample {
        /// The sample path as the incident file gives it.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
}

/// The default marking of shared items without their own label (see [`Item::share_tlp`]).
pub const DEFAULT_SHARE_TLP: Tlp = kyoyu_model::UNMARKED_SHARE_TLP;

fn withheld(
    item: &Item,
    decision: Decision,
    rule: &'static str,
    ja: String,
    en: String,
) -> Withheld {
    Withheld {
        item: item.id.clone(),
        decision,
        reasons: vec![Reason {
            rule,
            text: Localized::new(ja, en),
        }],
    }
}

/// The secret that keys pseudonyms and derived object ids (HMAC-SHA-256): without it, neither
/// the submitter's pseudonym nor an object id can be recomputed from an incident id, however
/// guessable the incident id is. A server holds one per installation in its data directory
/// (outside the database, backed up with it); an organization's own exports use a key of their
/// own ([`PseudonymKey::for_organization`] on a server, a key file beside the incident file on
/// the command line).
#[derive(Clone, PartialEq, Eq)]
pub struct PseudonymKey([u8; 32]);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file does not hold a key.
    #[error("{path}: not a kyoyu key (expected 64 hexadecimal digits)")]
    Malformed {
        /// The key file.
        path: String,
    },
    /// The system has no randomness to make one.
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

impl PseudonymKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A new random key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| KeyError::Random(error.to_string()))?;
        Ok(Self(bytes))
    }

    /// The key in `path`, or a new one written there (readable by its owner only) when the
    /// file does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(text.trim()).ok_or(KeyError::Malformed { path: shown }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate()?;
                match publish_private(path, &key.to_hex()) {
                    Ok(()) => Ok(key),
                    // Another process made the key first: its key is the one to use.
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                        let text =
                            std::fs::read_to_string(path).map_err(|source| KeyError::Io {
                                path: shown.clone(),
                                source,
                            })?;
                        Self::from_hex(text.trim()).ok_or(KeyError::Malformed { path: shown })
                    }
                    Err(source) => Err(KeyError::Io {
                        path: shown,
                        source,
                    }),
                }
            }
            Err(source) => Err(KeyError::Io {
                path: shown,
                source,
            }),
        }
    }

    fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
        }
        Some(Self(bytes))
    }

    fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The key of one organization's own exports, derived from this one.
    pub fn for_organization(&self, organization: &str) -> Self {
        Self(self.mac(&["organization", organization]))
    }

    /// HMAC-SHA-256 of the parts, each length-prefixed so no two lists of parts collide.
    fn mac(&self, parts: &[&str]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }
}

/// Makes `path` a new file readable by its owner only (0600 on Unix) holding `text`, all at
/// once: written and synced under a temporary name, then linked to `path`, which fails with
/// `AlreadyExists` if another process got there first — so no reader ever sees half a key and
/// two processes starting together end up with one.
fn publish_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    // A name no other writer uses (processes and threads alike).
    let mut unique = [0u8; 8];
    getrandom::fill(&mut unique).map_err(|error| std::io::Error::other(error.to_string()))?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.partial", hex(&unique)));
    let temporary = std::path::PathBuf::from(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::hard_link(&temporary, path)
    })();
    let _ = std::fs::remove_file(&temporary);
    written
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A stable pseudonym for the submitter toward one community: the same incident, community and
/// key always give the same name; without the key it says nothing of the victim (HMAC).
fn pseudonym(key: &PseudonymKey, incident: &Incident, community: &Community) -> String {
    let mac = key.mac(&["pseudonym", &incident.id, &community.id]);
    format!("kyoyu-submitter-{}", &hex(&mac)[..24])
}

/// The outgoing fields of an item, scanned: the texts that may leave (redacted when the form
/// says so), or `None` when one still carries an identifier that may not leave.
struct Scanned {
    texts: Vec<(&'static str, String)>,
}

impl Scanned {
    fn take(&mut self, field: &str) -> Option<String> {
        let index = self.texts.iter().position(|(name, _)| *name == field)?;
        Some(self.texts.remove(index).1)
    }
}

fn scan_fields(
    item: &Item,
    form: Form,
    scanner: &Scanner,
    placeholders: &mut Placeholders,
) -> Option<Scanned> {
    let mut fields: Vec<(&'static str, &str, bool)> = item
        .texts()
        .into_iter()
        .filter(|(field, _)| *field != "path")
        .filter(|(field, _)| form != Form::HashOnly || *field == "value")
        .map(|(field, text)| (field, text, true))
        .collect();
    // Identifiers in a validated form (a CVE, an ATT&CK id) leave too: scanned, never redacted
    // (a redacted id is no id).
    match &item.body {
        ItemBody::Ttp {
            technique: Some(technique),
        } => fields.push(("technique", technique.as_str(), false)),
        ItemBody::Vulnerability { cve: Some(cve), .. } => fields.push(("cve", cve.as_str(), false)),
        _ => {}
    }
    // Numbered on a copy, kept only when the item leaves: a withheld item's values must not
    // show as gaps in the numbering of what does leave.
    let mut numbering = placeholders.clone();
    let mut texts = Vec::new();
    for (field, text, redactable) in fields {
        let (redacted, changes) = scanner.redact_text_with(text, &mut numbering);
        if changes.is_empty() {
            texts.push((field, text.to_owned()));
        } else if form == Form::Redacted && redactable {
            texts.push((field, redacted));
        } else {
            return None;
        }
    }
    *placeholders = numbering;
    Some(Scanned { texts })
}

fn content(item: &Item, mut scanned: Scanned, samples_base: &Path) -> Result<Content, EgressError> {
    let description = scanned.take("text");
    Ok(match &item.body {
        ItemBody::Ioc { ioc_type, path, .. } => {
            let sample_sha256 = match path {
                Some(path) => {
                    let bytes = std::fs::read(samples_base.join(path)).map_err(|source| {
                        EgressError::Sample {
                            path: path.clone(),
                            source,
                        }
                    })?;
                    Some(
                        Sha256::digest(&bytes)
                            .iter()
                            .map(|byte| format!("{byte:02x}"))
                            .collect(),
                    )
                }
                None => None,
            };
            Content::Indicator {
                ioc_type: ioc_type.clone(),
                value: scanned.take("value"),
                sample_sha256,
                description,
            }
        }
        ItemBody::Ttp { technique } => Content::Technique {
            technique: technique.clone(),
            description,
        },
        ItemBody::Vulnerability { cve, .. } => Content::Vulnerability {
            cve: cve.clone(),
            product: scanned.take("product"),
            description,
        },
        ItemBody::AbusedService { .. } => Content::AbusedService {
            value: scanned.take("value"),
            description,
        },
        ItemBody::AttackTime(window) => Content::AttackWindow(window.clone()),
        ItemBody::ResponseHistory | ItemBody::Damage | ItemBody::VictimIdentity => {
            Content::Context { description }
        }
    })
}

/// Decides the share package toward `community_id`. The identifier check uses the scanner the
/// assessment was made with (there is no gate without one); sample paths are relative to
/// `samples_base`, and a sample leaves as its SHA-256 only; the pseudonym and the derived ids are
/// keyed with `key`.
pub fn share_package(
    incident: &Incident,
    assessment: &Assessment,
    community_id: &str,
    samples_base: &Path,
    key: &PseudonymKey,
) -> Result<Package, EgressError> {
    if assessment.incident != incident.id {
        return Err(EgressError::WrongAssessment {
            incident: incident.id.clone(),
            assessed: assessment.incident.clone(),
        });
    }
    let scanner = assessment.scanner();
    let community = incident
        .community(community_id)
        .ok_or_else(|| EgressError::UnknownCommunity(community_id.to_owned()))?
        .clone();
    // Toward a hub the producer is always a pseudonym (G5, G7). An ISAC may know its members
    // (G5), but naming the victim is then a decision of its own: until the incident file can
    // record it, packages carry the pseudonym toward every community.
    let producer = Producer::Pseudonym(pseudonym(key, incident, &community));
    let mut package = Package {
        producer,
        releases: Vec::new(),
        withheld: Vec::new(),
        id_namespace: hex(&key.mac(&["ids", &incident.id, &community.id])),
        community,
    };
    let community = package.community.clone();
    // One numbering for the whole package: `[host-1]` is the same host in every item.
    let mut placeholders = Placeholders::new();
    for (item, assessed) in incident.items.iter().zip(&assessment.guidance.items) {
        debug_assert_eq!(item.id, assessed.id);
        let Some(verdict) = assessed
            .communities
            .iter()
            .find(|verdict| verdict.community == community.id)
        else {
            continue;
        };
        if verdict.decision != Decision::Allow {
            package.withheld.push(Withheld {
                item: item.id.clone(),
                decision: verdict.decision,
                reasons: verdict.reasons.clone(),
            });
            continue;
        }
        // Second line of defence: context never reaches a type-A hub, whatever the assessment said.
        if item.class() == InfoClass::Context && community.kind == CommunityKind::Hub {
            package.withheld.push(withheld(
                item,
                Decision::Deny,
                "G7",
                "コンテクスト情報はハブへ出さない。".to_owned(),
                "Context never goes to a type-A hub.".to_owned(),
            ));
            continue;
        }
        // Second line of defence: nothing above the community's ceiling, an unmarked item
        // counted at the label it would leave with.
        let tlp = item.share_tlp();
        if !tlp.fits_within(community.max_tlp) {
            package.withheld.push(withheld(
                item,
                Decision::Deny,
                "G8",
                format!(
                    "この項目は {tlp} で出ることになり、共有先が受け入れる上限 {} を超えている。",
                    community.max_tlp
                ),
                format!(
                    "The item would leave marked {tlp}, beyond the {} this community accepts.",
                    community.max_tlp
                ),
            ));
            continue;
        }
        let approval = incident.approval(&item.id, Channel::Share);
        let resolution = approval.map(|approval| approval.resolution);
        let is_sample = matches!(item.body, ItemBody::Ioc { path: Some(_), .. });
        let has_findings = !assessed.findings.is_empty();
        let form = match resolution {
            Some(Resolution::HashOnly) => Form::HashOnly,
            Some(Resolution::Redact) => Form::Redacted,
            _ if is_sample && has_findings => Form::HashOnly,
            _ => Form::AsIs,
        };
        let Some(scanned) = scan_fields(item, form, scanner, &mut placeholders) else {
            package.withheld.push(withheld(
                item,
                Decision::Review,
                "G6",
                "送信する内容に被害組織の識別情報が残っている。編集（redact）を承認するか、送らないこと。".to_owned(),
                "What would leave still carries the victim's identifiers; approve a redaction or do not send it.".to_owned(),
            ));
            continue;
        };
        let content = content(item, scanned, samples_base)?;
        package.releases.push(Release {
            item: item.id.clone(),
            tlp,
            form,
            content,
            approved_by: approval.map(|approval| approval.by.clone()),
        });
    }
    Ok(package)
}

/// How a reader stands to the community whose collection holds an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderStanding {
    /// The hub that owns the community: the recipient of everything shared with it.
    Owner,
    /// A member organization.
    Member,
    /// Neither.
    Outsider,
}

/// Whether a stored object may reach a reader, and if not, why (G8, TLP 2.0).
///
/// - Outsiders receive nothing.
/// - TLP:CLEAR, GREEN and AMBER reach the owner and the members: the community is the
///   recipient the submitter chose. An object without a TLP marking is treated as
///   [`DEFAULT_SHARE_TLP`] (AMBER), the label of pre-publication sharing.
/// - TLP:AMBER+STRICT (the recipient organization only) and TLP:RED (named recipients only)
///   reach the owner and the organizations named in the object's audience (its submitter), and
///   no other member.
pub fn may_deliver(
    tlp: Option<Tlp>,
    standing: ReaderStanding,
    named_in_audience: bool,
) -> Result<(), Reason> {
    let tlp = tlp.unwrap_or(kyoyu_model::UNMARKED_SHARE_TLP);
    let refuse = |ja: String, en: String| {
        Err(Reason {
            rule: "G8",
            text: Localized::new(ja, en),
        })
    };
    match (standing, tlp) {
        (ReaderStanding::Outsider, _) => refuse(
            "このコミュニティの参加組織ではありません。".into(),
            "not a member of this community".into(),
        ),
        (ReaderStanding::Owner, _) => Ok(()),
        (ReaderStanding::Member, Tlp::Clear | Tlp::Green | Tlp::Amber) => Ok(()),
        (ReaderStanding::Member, Tlp::AmberStrict | Tlp::Red) if named_in_audience => Ok(()),
        (ReaderStanding::Member, label) => refuse(
            format!(
                "TLP:{} は受信者として指定された組織に限られます。",
                label.as_str().to_uppercase()
            ),
            format!(
                "TLP:{} is for the named recipient organizations only",
                label.as_str().to_uppercase()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Processes exporting at once each find the key missing and make one: they all end up
    /// with the one that was published first, and none sees half a file.
    #[test]
    fn concurrent_first_uses_agree_on_one_key() {
        let dir = std::env::temp_dir().join(format!("kyoyu-key-race-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch");
        for round in 0..20 {
            let path = dir.join(format!("k{round}.key"));
            let keys: Vec<PseudonymKey> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..4)
                    .map(|_| scope.spawn(|| PseudonymKey::load_or_create(&path).expect("a key")))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            });
            assert!(
                keys.windows(2).all(|pair| pair[0] == pair[1]),
                "round {round}"
            );
            assert_eq!(PseudonymKey::load_or_create(&path).expect("again"), keys[0]);
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
