//! Indicator normalization: every value is brought to one canonical form before it is matched,
//! so `EVIL.example.`, `evil[.]example` and `evil.example` are one value, and an MD5 never
//! matches a SHA-256 of the same hex text.
//!
//! Key decision: one table per type, written down here and in `docs/hub.md`, and a value that
//! cannot be normalized is a diagnostic that names the type, the value and the reason — never a
//! silent pass-through that would then fail to match. Defanging (`[.]`, `hxxp`, `[@]`) is undone
//! for every type first, because people paste indicators that way whatever the type says.
//!
//! | type (aliases) | canonical form |
//! |---|---|
//! | `domain-name` (`domain`, `hostname`) | refanged, trimmed, trailing dot removed, IDN → punycode (UTS 46, lower case); labels 1–63 of `a-z0-9-_`, ≤ 253 bytes |
//! | `url` (`link`, `uri`) | refanged (`hxxp`→`http`, `fxp`→`ftp`), WHATWG parse: scheme and host lower case, IDN → punycode, default port removed, empty path → `/`; trailing dot of the host removed; `%XX` of an unreserved character decoded, other `%xx` upper-cased |
//! | `ipv4-addr` (`ip-src`, `ip-dst`, `ip`) | dotted quad, zero padding removed (`010.001.002.003` → `10.1.2.3`: padding, not octal); a CIDR is its network address and prefix, a full-length prefix is the plain address; containment is the engine's (an address matches the CIDRs holding it) |
//! | `ipv6-addr` | RFC 5952 text (`std`), brackets and zone removed; an IPv4-mapped address (`::ffff:a.b.c.d`) is the IPv4 address; CIDR as for IPv4 |
//! | `email-addr` (`email`, `email-src`, `email-dst`) | refanged (`[@]`, `[at]`), `mailto:` removed, lower case, domain as a domain |
//! | `file` and hashes (`md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, `hash`) | lower-case hex; the kind comes from the length (32 md5, 40 sha1, 56 sha224, 64 sha256, 96 sha384, 128 sha512), whatever the type said; `file` whose value is not a hash is a file name |
//! | `filename\|<hash>`, `ip-src\|port`, `ip-dst\|port` | split at `\|`: the file name and the hash, or the address (the port alone identifies nothing) |
//! | `file-name` (`filename`) | trimmed, as written (names are case-sensitive on the systems that matter) |
//! | anything else | trimmed, as written, under its own lower-cased type |

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// What a normalized value is: the part of its key before the `:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A domain name.
    Domain,
    /// A URL.
    Url,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An IPv4 or IPv6 network (`a.b.c.d/n`).
    Cidr,
    /// An e-mail address.
    Email,
    /// A hash, by its algorithm (`md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`).
    Hash(&'static str),
    /// A file name.
    FileName,
    /// Any other type, lower-cased, compared exactly.
    Other(String),
}

impl Kind {
    /// The kind's name as it appears in keys and on the hub's pages.
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Cidr => "cidr",
            Kind::Email => "email",
            Kind::Hash(algorithm) => algorithm,
            Kind::FileName => "filename",
            Kind::Other(name) => name,
        }
    }

    /// The kind of a key's prefix, for values read back from the store.
    pub fn of_key(key: &str) -> Option<(Kind, &str)> {
        let (kind, value) = key.split_once(':')?;
        let kind = match kind {
            "domain" => Kind::Domain,
            "url" => Kind::Url,
            "ipv4" => Kind::Ipv4,
            "ipv6" => Kind::Ipv6,
            "cidr" => Kind::Cidr,
            "email" => Kind::Email,
            "filename" => Kind::FileName,
            other => match HASHES.iter().find(|(_, name)| *name == other) {
                Some((_, name)) => Kind::Hash(name),
                None => Kind::Other(other.to_owned()),
            },
        };
        Some((kind, value))
    }

    /// Whether values of this kind are looked up in the MISP warninglists.
    pub fn warninglisted(&self) -> bool {
        matches!(
            self,
            Kind::Domain | Kind::Url | Kind::Ipv4 | Kind::Ipv6 | Kind::Email | Kind::Hash(_)
        )
    }
}

/// Hash algorithms by hex length.
const HASHES: [(usize, &str); 6] = [
    (32, "md5"),
    (40, "sha1"),
    (56, "sha224"),
    (64, "sha256"),
    (96, "sha384"),
    (128, "sha512"),
];

/// One normalized value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Normalized {
    /// Its kind.
    pub kind: Kind,
    /// Its canonical text.
    pub value: String,
}

impl Normalized {
    /// The key the index matches on: `kind:value`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.value)
    }
}

impl fmt::Display for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.value)
    }
}

/// Why a value could not be normalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} value {value:?}: {reason}")]
pub struct NormalizeError {
    /// The type the submitter gave.
    pub kind: String,
    /// The value as given (cut at 200 characters).
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The longest value accepted, in bytes (a URL may be long; nothing else comes close).
pub const MAX_VALUE_BYTES: usize = 4096;

/// Normalizes one indicator of the given type. A pair type (`filename|sha256`, `ip-dst|port`)
/// gives its parts.
pub fn normalize(kind: &str, value: &str) -> Result<Vec<Normalized>, NormalizeError> {
    let fail = |reason| NormalizeError {
        kind: kind.chars().take(60).collect(),
        value: value.chars().take(200).collect(),
        reason,
    };
    if value.len() > MAX_VALUE_BYTES {
        return Err(fail("longer than 4,096 bytes"));
    }
    let kind_lower = kind.trim().to_ascii_lowercase();
    let text = value.trim();
    if text.is_empty() {
        return Err(fail("empty"));
    }
    if let Some((left, right)) = kind_lower.split_once('|') {
        let Some((a, b)) = text.split_once('|') else {
            return Err(fail("a pair type needs `left|right`"));
        };
        let mut out = Vec::new();
        if !matches!(right, "port") {
            out.extend(normalize(right, b).map_err(|e| fail(e.reason))?);
        }
        out.extend(normalize(left, a).map_err(|e| fail(e.reason))?);
        return Ok(out);
    }
    let one = match kind_lower.as_str() {
        "domain-name" | "domain" | "hostname" => {
            domain(text).ok_or_else(|| fail("not a domain name"))?
        }
        "url" | "link" | "uri" => url(text).ok_or_else(|| fail("not a URL"))?,
        "ipv4-addr" | "ipv6-addr" | "ip-src" | "ip-dst" | "ip" | "ip-addr" => {
            ip(text).ok_or_else(|| fail("not an IP address or network"))?
        }
        "email-addr" | "email" | "email-src" | "email-dst" => {
            email(text).ok_or_else(|| fail("not an e-mail address"))?
        }
        "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "hash" => {
            hash(text).ok_or_else(|| fail("not a hex hash of a known length"))?
        }
        "file" => hash(text).unwrap_or_else(|| Normalized {
            kind: Kind::FileName,
            value: text.to_owned(),
        }),
        "file-name" | "filename" => Normalized {
            kind: Kind::FileName,
            value: text.to_owned(),
        },
        other => {
            if other.is_empty()
                || !other
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(fail("type names are letters, digits, '-' and '_'"));
            }
            Normalized {
                kind: Kind::Other(other.to_owned()),
                value: text.to_owned(),
            }
        }
    };
    Ok(vec![one])
}

/// Undoes the common ways of defanging an indicator.
pub fn refang(text: &str) -> String {
    let text = text.trim();
    let scheme = |prefix: &str| {
        text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let bracketed = text.contains(['[', '(', '{']);
    if !bracketed && !scheme("hxxp") && !scheme("fxp") {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    if bracketed {
        for (from, to) in [
            ("[.]", "."),
            ("(.)", "."),
            ("{.}", "."),
            ("[dot]", "."),
            ("(dot)", "."),
            ("[:]", ":"),
            ("[://]", "://"),
            ("[@]", "@"),
            ("[at]", "@"),
            ("(at)", "@"),
        ] {
            if out.contains(from) {
                out = out.replace(from, to);
            }
        }
    }
    // schemes: hxxp, hXXps, fxp
    if scheme("hxxp") {
        out.replace_range(..4, "http");
    } else if scheme("fxp") {
        out.replace_range(..3, "ftp");
    }
    out
}

fn domain(text: &str) -> Option<Normalized> {
    let text = refang(text);
    Some(Normalized {
        kind: Kind::Domain,
        value: ascii_domain(&text)?,
    })
}

/// A domain in its ASCII (punycode) lower-case form, or `None` when it is not a domain name.
fn ascii_domain(text: &str) -> Option<String> {
    let text = text.strip_suffix('.').unwrap_or(text);
    if text.is_empty() || text.contains(['/', ':', '@', ' ']) {
        return None;
    }
    let ascii = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(text).ok()?
    };
    let ok = ascii.len() <= 253
        && ascii.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
    // a dotted quad is an address, not a domain
    (ok && ascii.parse::<Ipv4Addr>().is_err()).then_some(ascii)
}

fn url(text: &str) -> Option<Normalized> {
    let text = refang(text);
    let mut parsed = url::Url::parse(&text).ok()?;
    if parsed.cannot_be_a_base() {
        return None;
    }
    if let Some(url::Host::Domain(host)) = parsed.host()
        && let Some(stripped) = host.strip_suffix('.')
    {
        let stripped = stripped.to_owned();
        parsed.set_host(Some(&stripped)).ok()?;
    }
    Some(Normalized {
        kind: Kind::Url,
        value: unreserved_escapes(parsed.as_str()),
    })
}

/// Decodes `%XX` escapes of unreserved characters (RFC 3986 §2.3) and upper-cases the hex of
/// the others (§6.2.2.1).
fn unreserved_escapes(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && text.is_char_boundary(i + 3) {
            let hex = &text[i + 1..i + 3];
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                    out.push(byte as char);
                } else {
                    out.push('%');
                    out.push_str(&hex.to_ascii_uppercase());
                }
                i += 3;
                continue;
            }
        }
        // text is valid UTF-8 and '%' is ASCII: copy the char at i
        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn ip(text: &str) -> Option<Normalized> {
    let text = refang(text);
    if let Some((addr, prefix)) = text.split_once('/') {
        let addr = ip_addr(addr)?;
        let prefix: u8 = prefix.parse().ok()?;
        let net = IpNet::new(addr, prefix).ok()?.trunc();
        if net.prefix_len() == net.max_prefix_len() {
            return Some(address(net.addr()));
        }
        return Some(Normalized {
            kind: Kind::Cidr,
            value: net.to_string(),
        });
    }
    Some(address(ip_addr(&text)?))
}

fn address(addr: IpAddr) -> Normalized {
    match addr {
        IpAddr::V4(v4) => Normalized {
            kind: Kind::Ipv4,
            value: v4.to_string(),
        },
        IpAddr::V6(v6) => Normalized {
            kind: Kind::Ipv6,
            value: v6.to_string(),
        },
    }
}

/// Parses an address: a dotted quad (zero padding allowed), or IPv6 (brackets and a zone
/// removed; IPv4-mapped becomes IPv4).
fn ip_addr(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if text.contains(':') {
        let text = text.strip_prefix('[').unwrap_or(text);
        let text = text.strip_suffix(']').unwrap_or(text);
        let text = text.split('%').next().unwrap_or(text);
        let v6: Ipv6Addr = text.parse().ok()?;
        return Some(match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        });
    }
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts
        .next()
        .is_none()
        .then(|| IpAddr::V4(Ipv4Addr::from(octets)))
}

fn email(text: &str) -> Option<Normalized> {
    let text = refang(text);
    let text = text
        .strip_prefix("mailto:")
        .or_else(|| text.strip_prefix("MAILTO:"))
        .unwrap_or(&text);
    let (local, host) = text.rsplit_once('@')?;
    if local.is_empty() || local.contains([' ', '<', '>']) {
        return None;
    }
    let host = ascii_domain(host)?;
    Some(Normalized {
        kind: Kind::Email,
        value: format!("{}@{host}", local.to_lowercase()),
    })
}

fn hash(text: &str) -> Option<Normalized> {
    let text = text.trim();
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (_, algorithm) = HASHES.iter().find(|(len, _)| *len == text.len())?;
    Some(Normalized {
        kind: Kind::Hash(algorithm),
        value: text.to_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of the table: (type, as written, expected keys).
    const ROWS: &[(&str, &str, &[&str])] = &[
        // domain: case, trailing dot, IDN, defanged
        (
            "domain-name",
            "Evil.Example.COM",
            &["domain:evil.example.com"],
        ),
        (
            "domain-name",
            "evil.example.com.",
            &["domain:evil.example.com"],
        ),
        (
            "domain-name",
            "evil[.]example[.]com",
            &["domain:evil.example.com"],
        ),
        (
            "domain-name",
            "evil(.)example[dot]com",
            &["domain:evil.example.com"],
        ),
        (
            "domain",
            "  bücher.example ",
            &["domain:xn--bcher-kva.example"],
        ),
        (
            "hostname",
            "XN--BCHER-KVA.example",
            &["domain:xn--bcher-kva.example"],
        ),
        (
            "domain-name",
            "例え.テスト",
            &["domain:xn--r8jz45g.xn--zckzah"],
        ),
        // URL: scheme, hxxp, default port, percent-encoding, host case
        (
            "url",
            "HTTP://Evil.Example/a",
            &["url:http://evil.example/a"],
        ),
        (
            "url",
            "hxxp://evil[.]example/a",
            &["url:http://evil.example/a"],
        ),
        (
            "url",
            "hXXps://evil.example:443/a",
            &["url:https://evil.example/a"],
        ),
        (
            "url",
            "http://EVIL.example:80/api/v1/beacon",
            &["url:http://evil.example/api/v1/beacon"],
        ),
        (
            "url",
            "http://evil.example:8080/",
            &["url:http://evil.example:8080/"],
        ),
        ("url", "http://evil.example", &["url:http://evil.example/"]),
        (
            "url",
            "http://evil.example./x",
            &["url:http://evil.example/x"],
        ),
        (
            "url",
            "http://evil.example/%7Euser/%41%2f%2F",
            &["url:http://evil.example/~user/A%2F%2F"],
        ),
        (
            "url",
            "http://bücher.example/",
            &["url:http://xn--bcher-kva.example/"],
        ),
        (
            "url",
            "fxp://files.example/x",
            &["url:ftp://files.example/x"],
        ),
        // IPv4 / IPv6 forms and CIDR
        ("ipv4-addr", "198.51.100.7", &["ipv4:198.51.100.7"]),
        ("ipv4-addr", "198[.]51[.]100[.]7", &["ipv4:198.51.100.7"]),
        ("ip-dst", "010.001.002.003", &["ipv4:10.1.2.3"]),
        ("ipv4-addr", "198.51.100.77/24", &["cidr:198.51.100.0/24"]),
        ("ipv4-addr", "198.51.100.7/32", &["ipv4:198.51.100.7"]),
        (
            "ipv6-addr",
            "2001:0DB8:0000:0000:0000:0000:0000:0001",
            &["ipv6:2001:db8::1"],
        ),
        ("ipv6-addr", "[2001:db8::1]", &["ipv6:2001:db8::1"]),
        ("ipv6-addr", "fe80::1%eth0", &["ipv6:fe80::1"]),
        ("ipv6-addr", "::ffff:198.51.100.7", &["ipv4:198.51.100.7"]),
        ("ipv6-addr", "2001:db8::1/32", &["cidr:2001:db8::/32"]),
        // e-mail
        (
            "email-addr",
            "Attacker@Evil.Example",
            &["email:attacker@evil.example"],
        ),
        (
            "email",
            "attacker[@]evil[.]example",
            &["email:attacker@evil.example"],
        ),
        (
            "email-src",
            "mailto:x@bücher.example",
            &["email:x@xn--bcher-kva.example"],
        ),
        // hashes: case, type by length
        (
            "md5",
            "D41D8CD98F00B204E9800998ECF8427E",
            &["md5:d41d8cd98f00b204e9800998ecf8427e"],
        ),
        (
            "sha256",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            &["sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"],
        ),
        ("file", "evil.exe", &["filename:evil.exe"]),
        // pairs split
        (
            "filename|md5",
            "evil.exe|D41D8CD98F00B204E9800998ECF8427E",
            &["md5:d41d8cd98f00b204e9800998ecf8427e", "filename:evil.exe"],
        ),
        ("ip-dst|port", "198.51.100.7|443", &["ipv4:198.51.100.7"]),
        // others, exactly
        ("mutex", " Global\\xyz ", &["mutex:Global\\xyz"]),
    ];

    #[test]
    fn every_row_of_the_table() {
        for (kind, value, expected) in ROWS {
            let got: Vec<String> = normalize(kind, value)
                .unwrap_or_else(|e| panic!("{kind} {value:?}: {e}"))
                .iter()
                .map(Normalized::key)
                .collect();
            assert_eq!(&got, expected, "{kind} {value:?}");
        }
    }

    #[test]
    fn a_file_hash_is_typed_by_its_length() {
        let sha = "AB".repeat(32);
        assert_eq!(
            normalize("file", &sha).unwrap()[0].key(),
            format!("sha256:{}", "ab".repeat(32))
        );
        assert_eq!(
            normalize("hash", &"0".repeat(128)).unwrap()[0].kind,
            Kind::Hash("sha512")
        );
    }

    #[test]
    fn bad_values_say_what_and_why() {
        for (kind, value) in [
            ("domain-name", "evil example"),
            ("domain-name", "a..b"),
            ("domain-name", "198.51.100.7"),
            ("url", "not a url"),
            ("ipv4-addr", "300.1.1.1"),
            ("ipv4-addr", "1.2.3"),
            ("ipv4-addr", "1.2.3.4/33"),
            ("email-addr", "nobody"),
            ("md5", "xyz"),
            ("sha256", "abc"),
            ("filename|md5", "no-bar"),
            ("bad type!", "x"),
            ("domain-name", "   "),
        ] {
            let err = normalize(kind, value).expect_err(value);
            assert!(!err.reason.is_empty());
            assert!(err.to_string().contains(kind), "{err}");
        }
        let long = "a".repeat(MAX_VALUE_BYTES + 1);
        assert!(normalize("url", &long).is_err());
    }

    #[test]
    fn keys_read_back_into_their_kind() {
        for key in [
            "domain:a.example",
            "sha256:ab",
            "mutex:x",
            "cidr:10.0.0.0/8",
        ] {
            let (kind, value) = Kind::of_key(key).unwrap();
            assert_eq!(format!("{}:{value}", kind.as_str()), key);
        }
    }

    proptest::proptest! {
        #[test]
        fn normalizing_is_idempotent_and_never_panics(kind in "(domain-name|url|ipv4-addr|ipv6-addr|email-addr|file|md5)", value in "\\PC{0,40}") {
            if let Ok(values) = normalize(&kind, &value) {
                for v in values {
                    let again = normalize(v.kind.as_str().replace("ipv4", "ipv4-addr").replace("ipv6", "ipv6-addr").replace("cidr", "ip").as_str(), &v.value);
                    if let Ok(again) = again {
                        proptest::prop_assert_eq!(&again[0], &v);
                    }
                }
            }
        }
    }
}
