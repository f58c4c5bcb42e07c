//! API tokens: `kyoyu_<id>_<secret>`, shown once; the store keeps the id and an argon2id hash of
//! the secret, never the secret.
//!
//! Key decision: the id part is public and indexes the record, so checking a token is one lookup
//! and one argon2 verification (not a scan over every hash). Argon2id with the crate's default
//! parameters (19 MiB, 2 passes) costs tens of milliseconds by design; the server therefore keeps
//! recently verified tokens in memory under a SHA-256 of the token text (see `kyoyu-server`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The prefix every token starts with (so a leaked token is recognisable in logs and scanners).
pub const PREFIX: &str = "kyoyu_";

/// A token's secret text, kept out of `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// The token text, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(…)")
    }
}

/// A freshly issued token: the text for the holder, the id and hash for the store.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The whole token text (shown once).
    pub secret: TokenSecret,
    /// The public id part.
    pub id: String,
    /// The argon2id PHC string of the secret part.
    pub hash: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues a new token from the operating system's random source.
pub fn issue() -> Result<IssuedToken, String> {
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    let mut salt = [0u8; 16];
    for buffer in [&mut id[..], &mut secret[..], &mut salt[..]] {
        getrandom::fill(buffer).map_err(|e| format!("no randomness: {e}"))?;
    }
    let id = hex(&id);
    let secret = hex(&secret);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let hash = Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|e| e.to_string())?
        .to_string();
    Ok(IssuedToken {
        secret: TokenSecret(format!("{PREFIX}{id}_{secret}")),
        id,
        hash,
    })
}

/// Splits a token text into its id and secret parts, if it has the token's form.
pub fn split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hexish = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexish(id, 12) && hexish(secret, 64)).then_some((id, secret))
}

/// Whether `secret` matches a stored hash.
pub fn verify(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_verifies_and_another_does_not() {
        let token = issue().unwrap();
        let (id, secret) = split(token.secret.expose()).unwrap();
        assert_eq!(id, token.id);
        assert!(verify(secret, &token.hash));
        let other = issue().unwrap();
        let (_, other_secret) = split(other.secret.expose()).unwrap();
        assert!(!verify(other_secret, &token.hash));
        assert!(
            !token.hash.contains(secret),
            "the hash must not hold the secret"
        );
        assert_eq!(format!("{:?}", token.secret), "TokenSecret(…)");
    }

    #[test]
    fn malformed_token_texts_are_not_split() {
        for text in [
            "",
            "kyoyu_",
            "kyoyu_abc_def",
            "bearer kyoyu_0123456789ab_00",
            "kyoyu_0123456789ab_zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(split(text), None, "{text}");
        }
        assert!(!verify("x", "not a phc string"));
    }
}
