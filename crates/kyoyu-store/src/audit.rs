//! The audit log's entries and its hash chain: every outflow and every permission change is an
//! entry whose hash covers the previous entry's hash, so `kyoyu audit verify` finds any entry
//! altered, removed or inserted after the fact.
//!
//! Key decision: the hash covers the entry's fields exactly as stored (the action as its JSON
//! text), so verifying needs no canonical re-serialization and a backend change cannot break old
//! chains. Removing entries from the end cannot be seen from inside the log; `verify` returns the
//! head hash so an operator can anchor it elsewhere (and compare it with `--expect-head`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::OrgId;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AuditAction {
    /// An organization was created.
    OrgCreated {
        /// Its name.
        name: String,
        /// Its kind.
        kind: String,
    },
    /// A token was issued.
    TokenCreated {
        /// The token's id (never the secret).
        token: String,
        /// For which organization.
        org: OrgId,
        /// With which role.
        role: String,
        /// Its label.
        label: String,
    },
    /// A token was revoked.
    TokenRevoked {
        /// The token's id.
        token: String,
    },
    /// A victim let a vendor act for it (M10).
    ConsentGranted {
        /// The vendor.
        vendor: OrgId,
    },
    /// A victim withdrew its consent.
    ConsentWithdrawn {
        /// The vendor.
        vendor: OrgId,
    },
    /// A hub created a community.
    CommunityCreated {
        /// Its id.
        community: String,
        /// Its title.
        title: String,
    },
    /// An organization joined a community.
    MemberAdded {
        /// The community.
        community: String,
        /// The member.
        member: OrgId,
    },
    /// An organization left a community.
    MemberRemoved {
        /// The community.
        community: String,
        /// The member.
        member: OrgId,
    },
    /// An incident was created.
    IncidentCreated {
        /// Its id.
        incident: String,
    },
    /// An incident changed.
    IncidentChanged {
        /// Its id.
        incident: String,
        /// What changed (`items`, `timeline`, `approvals`, `header`).
        part: String,
        /// How many entries were added.
        added: usize,
    },
    /// Objects were added to a collection.
    ObjectsAdded {
        /// The collection.
        collection: String,
        /// The status resource.
        status: String,
        /// Objects added.
        added: usize,
        /// Objects refused.
        refused: usize,
    },
    /// A member's submission reached the hub's collection and was taken into the hub's work (a
    /// `submission` job, written with the objects: the transactional outbox). In the hub's
    /// trail; names the status and counts, never the member.
    SubmissionReceived {
        /// The collection.
        collection: String,
        /// The status resource of the POST (the submitter's; the hub cannot read it).
        status: String,
        /// Objects it added.
        objects: usize,
    },
    /// The owning hub added a version of an object another tenant produced (moderation).
    ObjectModerated {
        /// The collection.
        collection: String,
        /// The object's id.
        object: String,
        /// The version the hub added.
        version: String,
        /// The object's producer.
        producer: i64,
    },
    /// Object versions were deleted from a collection.
    ObjectDeleted {
        /// The collection.
        collection: String,
        /// The object.
        id: String,
        /// Versions removed.
        versions: u64,
    },
    /// A hub analyst asked who is behind a submission (issue 9: every such lookup is recorded).
    ProvenanceRead {
        /// The submission.
        submission: String,
        /// Whether a member could be named (it consented) or not.
        named: bool,
    },
    /// One item of an incident left toward a community through the egress gate: the outflow
    /// record (which item, which channel, which community, who approved, when).
    Released {
        /// The incident.
        incident: String,
        /// The item.
        item: String,
        /// The channel (`share`).
        channel: String,
        /// The community.
        community: String,
        /// The TLP it carried.
        tlp: String,
        /// How it left (`as_is`, `hash_only`, `redacted`).
        form: String,
        /// Who approved it, when it needed an approval.
        approved_by: Option<String>,
        /// The STIX object it became.
        object: String,
    },
}

/// One entry of the log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Its position: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The tenant it concerns, if any.
    pub tenant: Option<OrgId>,
    /// Who (a token id or `operator`).
    pub actor: String,
    /// What, as the JSON text stored.
    pub action: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of an entry from its fields and the previous hash.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &DateTime<Utc>,
    tenant: Option<OrgId>,
    actor: &str,
    action: &str,
) -> String {
    let mut hasher = Sha256::new();
    let tenant = tenant.map(|t| t.0.to_string()).unwrap_or_default();
    for field in [
        prev_hash,
        &seq.to_string(),
        &format_time(at),
        &tenant,
        actor,
        action,
    ] {
        // Length-prefixed, so no two different entries hash the same text.
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex(&hasher.finalize())
}

/// The stored form of an entry's time (RFC 3339, microseconds, `Z`).
pub fn format_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Where a chain stops being intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// An entry is missing (its successor's seq skips it), or entries are out of order.
    #[error("audit entry {expected} is missing (the next entry is {found})")]
    Missing {
        /// The seq expected.
        expected: i64,
        /// The seq found.
        found: i64,
    },
    /// An entry does not link to its predecessor.
    #[error("audit entry {seq} does not follow the entry before it (prev_hash differs)")]
    Unlinked {
        /// The entry.
        seq: i64,
    },
    /// An entry's fields do not give its hash: it was altered.
    #[error("audit entry {seq} was altered (its hash does not match its content)")]
    Altered {
        /// The entry.
        seq: i64,
    },
}

/// Walks a store's whole audit log in pages and checks its chain: the last entry's sequence
/// number and hash, or where the chain breaks (the one walk behind `kyoyu audit verify` and the
/// scheduled `audit_verify` job).
pub async fn verify_store(
    store: &dyn crate::Store,
) -> crate::StoreResult<Result<(i64, String), ChainBreak>> {
    let mut last = (0i64, GENESIS.to_owned());
    loop {
        let entries = store.system_audit_log(last.0, 1000).await?;
        if entries.is_empty() {
            return Ok(Ok(last));
        }
        match verify_chain(last.clone(), &entries) {
            Ok(next) => last = next,
            Err(broken) => return Ok(Err(broken)),
        }
    }
}

/// Checks a run of entries continuing a chain whose last verified entry was `(seq, hash)`
/// (`(0, GENESIS)` at the start); returns the new `(seq, hash)`.
pub fn verify_chain(
    mut last: (i64, String),
    entries: &[AuditEntry],
) -> Result<(i64, String), ChainBreak> {
    for entry in entries {
        if entry.seq != last.0 + 1 {
            return Err(ChainBreak::Missing {
                expected: last.0 + 1,
                found: entry.seq,
            });
        }
        if entry.prev_hash != last.1 {
            return Err(ChainBreak::Unlinked { seq: entry.seq });
        }
        let hash = entry_hash(
            &entry.prev_hash,
            entry.seq,
            &entry.at,
            entry.tenant,
            &entry.actor,
            &entry.action,
        );
        if hash != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        last = (entry.seq, entry.hash.clone());
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .to_utc();
        (1..=n)
            .map(|seq| {
                let action = format!("{{\"action\":\"token_revoked\",\"token\":\"t{seq}\"}}");
                let hash = entry_hash(&prev, seq, &at, Some(OrgId(1)), "tok", &action);
                let entry = AuditEntry {
                    seq,
                    at,
                    tenant: Some(OrgId(1)),
                    actor: "tok".into(),
                    action,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_gives_its_head() {
        let entries = chain(5);
        let head = verify_chain((0, GENESIS.into()), &entries).unwrap();
        assert_eq!(head, (5, entries[4].hash.clone()));
        // In two runs, as `kyoyu audit verify` reads it page by page.
        let half = verify_chain((0, GENESIS.into()), &entries[..2]).unwrap();
        assert_eq!(verify_chain(half, &entries[2..]).unwrap(), head);
    }

    #[test]
    fn an_altered_entry_is_found() {
        let mut entries = chain(5);
        entries[2].action = entries[2].action.replace("t3", "t9");
        assert_eq!(
            verify_chain((0, GENESIS.into()), &entries),
            Err(ChainBreak::Altered { seq: 3 })
        );
        let mut entries = chain(5);
        entries[1].tenant = Some(OrgId(2));
        assert_eq!(
            verify_chain((0, GENESIS.into()), &entries),
            Err(ChainBreak::Altered { seq: 2 })
        );
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut entries = chain(5);
        entries.remove(2);
        assert_eq!(
            verify_chain((0, GENESIS.into()), &entries),
            Err(ChainBreak::Missing {
                expected: 3,
                found: 4
            })
        );
    }

    #[test]
    fn a_rewritten_tail_with_renumbered_entries_is_found() {
        // Someone removes entry 3 and renumbers the rest, re-hashing entry 4 (now 3) alone.
        let mut entries = chain(5);
        entries.remove(2);
        entries[2].seq = 3;
        entries[2].hash = entry_hash(
            &entries[2].prev_hash,
            3,
            &entries[2].at,
            entries[2].tenant,
            &entries[2].actor,
            &entries[2].action,
        );
        assert_eq!(
            verify_chain((0, GENESIS.into()), &entries),
            Err(ChainBreak::Unlinked { seq: 3 })
        );
    }
}
