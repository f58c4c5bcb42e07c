//! Member pseudonyms: what the hub shows instead of a member's name.
//!
//! Key decision: a pseudonym is HMAC-SHA-256 of the member's id under a key the hub keeps
//! outside its database (`--hub-key-file`), cut to 80 bits and written `m-` plus 20 hex digits.
//! It is stable (the same member is the same pseudonym in every campaign, so "three distinct
//! members" can be counted) and a dump of the database alone cannot be turned back into members:
//! without the key, linking means guessing the key, not enumerating the few hundred member ids.
//! The key is separate per hub deployment; rotating it renames every member.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The hub's pseudonym key (at least 32 bytes of secret).
#[derive(Clone)]
pub struct PseudonymKey(Vec<u8>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

/// The key is too short to be a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a pseudonym key needs at least 32 bytes; this one has {0}")]
pub struct ShortKey(pub usize);

impl PseudonymKey {
    /// A key from its bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, ShortKey> {
        if bytes.len() < 32 {
            return Err(ShortKey(bytes.len()));
        }
        Ok(PseudonymKey(bytes.to_vec()))
    }

    /// The pseudonym of a member, within one hub (`scope`: the hub's own id, so two hubs sharing
    /// a key by mistake still do not share pseudonyms).
    pub fn pseudonym(&self, scope: &str, member: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(b"kyoyu hub pseudonym v1\0");
        mac.update(scope.as_bytes());
        mac.update(b"\0");
        mac.update(member.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut out = String::from("m-");
        for byte in &tag[..10] {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_scoped() {
        let key = PseudonymKey::new(&[7; 32]).unwrap();
        let other = PseudonymKey::new(&[8; 32]).unwrap();
        let a = key.pseudonym("hub-1", "org-42");
        assert_eq!(a, key.pseudonym("hub-1", "org-42"));
        assert_eq!(a.len(), 22);
        assert!(a.starts_with("m-"));
        assert_ne!(a, key.pseudonym("hub-1", "org-43"));
        assert_ne!(a, key.pseudonym("hub-2", "org-42"));
        assert_ne!(a, other.pseudonym("hub-1", "org-42"));
        assert!(!a.contains("42"));
        assert_eq!(PseudonymKey::new(b"short").unwrap_err(), ShortKey(5));
        assert_eq!(format!("{key:?}"), "PseudonymKey(…)");
    }
}
