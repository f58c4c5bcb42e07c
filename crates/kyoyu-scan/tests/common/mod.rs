//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code)]

use kyoyu_scan::{Category, OwnedMatch, Scanner};

/// The profile used by most tests.
pub fn profile() -> Scanner {
    let mut builder = Scanner::builder();
    builder
        .identifier(Category::Name, "Example Denki")
        .identifier(Category::Name, "東京電機")
        .identifier(Category::Person, "山田 太郎")
        .identifier(Category::Domain, "example-denki.co.jp")
        .identifier(Category::Domain, "例え電機.jp")
        .identifier(Category::EmailDomain, "mail.example-denki.co.jp")
        .identifier(Category::Hostname, "*.corp.exdenki.local")
        .identifier(Category::Account, "svc_backup01")
        .identifier(Category::Name, "EXD")
        .ip_range("192.0.2.0/24".parse().unwrap());
    builder.build().unwrap()
}

/// All matches of `bytes`, as `(identifier, form, offset)`.
pub fn found(scanner: &Scanner, bytes: &[u8]) -> Vec<(String, String, u64)> {
    let mut matches: Vec<OwnedMatch> = Vec::new();
    scanner.scan_bytes(bytes, &mut matches);
    matches
        .into_iter()
        .map(|m| (m.identifier, m.form.to_string(), m.offset))
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift), for noise tests.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
