//! Building STIX patterns from simple IoCs (one value of a known kind).
//!
//! Key decision: the builder checks the value's form before writing a pattern (an address must
//! parse, a hash must have its algorithm's length) so every pattern it produces passes the
//! OASIS validator; values are always written as escaped string literals.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Pattern, PatternError, quote};

/// The IoC kinds a pattern can be built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IocKind {
    /// `domain-name:value`.
    DomainName,
    /// `ipv4-addr:value` (address or CIDR).
    Ipv4,
    /// `ipv6-addr:value` (address or CIDR).
    Ipv6,
    /// `url:value`.
    Url,
    /// `email-addr:value`.
    EmailAddr,
    /// `file:hashes.MD5`.
    Md5,
    /// `file:hashes.'SHA-1'`.
    Sha1,
    /// `file:hashes.'SHA-256'`.
    Sha256,
    /// `file:hashes.'SHA-512'`.
    Sha512,
    /// `file:hashes.SSDEEP`.
    Ssdeep,
    /// `file:name`.
    FileName,
}

/// Why an IoC could not become a pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The value does not have the form its kind needs.
    #[error("{value:?} is not a valid {kind}: {reason}")]
    InvalidValue {
        /// The kind, as a pattern path (`ipv4-addr:value`).
        kind: &'static str,
        /// The value given.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// The built pattern failed to parse (a bug in the builder; reported, never panicked on).
    #[error("built pattern does not parse: {0}")]
    Pattern(#[from] PatternError),
}

impl IocKind {
    /// The object path the pattern tests.
    pub fn path(self) -> &'static str {
        match self {
            Self::DomainName => "domain-name:value",
            Self::Ipv4 => "ipv4-addr:value",
            Self::Ipv6 => "ipv6-addr:value",
            Self::Url => "url:value",
            Self::EmailAddr => "email-addr:value",
            Self::Md5 => "file:hashes.MD5",
            Self::Sha1 => "file:hashes.'SHA-1'",
            Self::Sha256 => "file:hashes.'SHA-256'",
            Self::Sha512 => "file:hashes.'SHA-512'",
            Self::Ssdeep => "file:hashes.SSDEEP",
            Self::FileName => "file:name",
        }
    }
}

fn cidr_ok<T: std::str::FromStr>(value: &str, max_prefix: u8) -> bool {
    match value.split_once('/') {
        Some((addr, prefix)) => {
            addr.parse::<T>().is_ok()
                && !prefix.starts_with('+')
                && prefix.parse::<u8>().is_ok_and(|p| p <= max_prefix)
        }
        None => value.parse::<T>().is_ok(),
    }
}

fn hex_of_len(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Builds `[<path> = '<value>']` for one IoC, checking the value's form first. The value is
/// trimmed of surrounding whitespace; hashes are lower-cased.
pub fn ioc_pattern(kind: IocKind, value: &str) -> Result<String, BuildError> {
    let value = value.trim();
    let invalid = |reason| BuildError::InvalidValue {
        kind: kind.path(),
        value: value.to_owned(),
        reason,
    };
    let normalized = match kind {
        IocKind::Ipv4 if !cidr_ok::<Ipv4Addr>(value, 32) => {
            return Err(invalid("expected a dotted IPv4 address or CIDR"));
        }
        IocKind::Ipv6 if !cidr_ok::<Ipv6Addr>(value, 128) => {
            return Err(invalid("expected an IPv6 address or CIDR"));
        }
        IocKind::DomainName
            if value.is_empty()
                || value
                    .chars()
                    .any(|c| c.is_whitespace() || c == '/' || c == '@') =>
        {
            return Err(invalid("expected a host name without spaces, '/' or '@'"));
        }
        IocKind::Url if !value.contains(':') || value.chars().any(char::is_whitespace) => {
            return Err(invalid("expected an absolute URL without spaces"));
        }
        IocKind::EmailAddr
            if value
                .split_once('@')
                .is_none_or(|(l, d)| l.is_empty() || d.is_empty()) =>
        {
            return Err(invalid("expected local@domain"));
        }
        IocKind::Md5 if !hex_of_len(value, 32) => return Err(invalid("expected 32 hex digits")),
        IocKind::Sha1 if !hex_of_len(value, 40) => return Err(invalid("expected 40 hex digits")),
        IocKind::Sha256 if !hex_of_len(value, 64) => {
            return Err(invalid("expected 64 hex digits"));
        }
        IocKind::Sha512 if !hex_of_len(value, 128) => {
            return Err(invalid("expected 128 hex digits"));
        }
        IocKind::Ssdeep
            if value.is_empty()
                || value.len() > 128
                || !value.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.')
                }) =>
        {
            return Err(invalid("expected an ssdeep digest (blocksize:hash:hash)"));
        }
        IocKind::FileName if value.is_empty() => return Err(invalid("expected a file name")),
        IocKind::Md5 | IocKind::Sha1 | IocKind::Sha256 | IocKind::Sha512 => {
            value.to_ascii_lowercase()
        }
        _ => value.to_owned(),
    };
    let text = format!("[{} = {}]", kind.path(), quote(&normalized));
    Pattern::parse(&text)?;
    Ok(text)
}
