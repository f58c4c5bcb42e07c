//! MISP warninglists: indicators that are well known *not* to be malicious (public resolvers,
//! top sites, RFC special-purpose ranges, sinkholes, empty-file hashes, URL shorteners…). An IoC
//! on one of them is a false positive that must not go out as malicious; and a private or
//! internal address is worse than useless — it reveals the victim's network.
//!
//! Key decision: the chosen lists are embedded with `include_str!` (the library does no file IO)
//! and parsed once, lazily, on first use ([`builtin`]); each list is matched by its MISP `type`:
//! `cidr` by prefix (a hash set per prefix length, so a 62,745-entry list costs at most 33 or
//! 129 look-ups), `hostname` by exact name or parent domain, `string` exactly (hashes
//! lower-cased), `substring` by containment. Lists only apply to the IoC kinds their
//! `matching_attributes` name. Which lists ship and why: `data/warninglists/LICENSE.md` and the
//! crate README.

/// The lists are public data, fixed at build time: a fast per-process seeded hash (foldhash)
/// instead of SipHash, for the look-ups every screened value makes (up to 33 per CIDR list).
type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;

use ipnet::IpNet;
use serde::Deserialize;

macro_rules! lists {
    ($($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../data/warninglists/", $id, "/list.json")))),*]
    };
}

/// The embedded lists: `(id, list.json)`.
const EMBEDDED: &[(&str, &str)] = lists![
    "public-dns-v4",
    "public-dns-v6",
    "public-dns-hostname",
    "rfc1918",
    "rfc5735",
    "rfc6598",
    "rfc3849",
    "rfc6761",
    "multicast",
    "ipv6-linklocal",
    "tranco10k",
    "url-shortener",
    "whats-my-ip",
    "security-provider-blogpost",
    "automated-malware-analysis",
    "sinkholes",
    "crl-hostname",
    "crl-ip",
    "google-gmail-sending-ips",
    "empty-hashes",
    "common-ioc-false-positive",
    "eicar.com",
];

#[derive(Deserialize)]
struct ListFile {
    name: String,
    description: String,
    #[serde(rename = "type")]
    kind: String,
    list: Vec<String>,
    #[serde(default)]
    matching_attributes: Vec<String>,
}

/// How a list's entries are matched (the list's MISP `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// IP networks; an address matches when inside one.
    Cidr,
    /// Host names; a name matches the entry or any subdomain of it.
    Hostname,
    /// Exact strings (case-insensitive).
    String,
    /// The entry occurs inside the value.
    Substring,
}

/// The kind of indicator a value was recognized as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IocValue {
    /// An IP address (a port or a prefix length after it is ignored).
    Ip(IpAddr),
    /// A hex digest of MD5/SHA-1/SHA-224/SHA-256/SHA-384/SHA-512 length, lower-cased.
    Hash(String),
    /// A domain or host name, lower-cased, without a trailing dot.
    Domain(String),
    /// A URL and its host.
    Url {
        /// The URL as given.
        url: String,
        /// Its host, lower-cased.
        host: String,
    },
    /// An e-mail address and its domain.
    Email {
        /// The address as given.
        address: String,
        /// Its domain, lower-cased.
        domain: String,
    },
    /// Anything else.
    Other(String),
}

impl IocValue {
    /// Recognizes `value` (defanged `[.]` and `hxxp` are accepted).
    pub fn classify(value: &str) -> IocValue {
        let value = value.trim().replace("[.]", ".").replace("hxxp", "http");
        if let Some(ip) = parse_ip(&value) {
            return IocValue::Ip(ip);
        }
        let is_hex = value.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex && matches!(value.len(), 32 | 40 | 56 | 64 | 96 | 128) {
            return IocValue::Hash(value.to_ascii_lowercase());
        }
        if value.contains("://") {
            let host = crate::lookalike::host_of(&value);
            return IocValue::Url { url: value, host };
        }
        if let Some((local, domain)) = value.rsplit_once('@')
            && !local.is_empty()
            && domain.contains('.')
        {
            let domain = domain.trim_end_matches('.').to_lowercase();
            return IocValue::Email {
                address: value,
                domain,
            };
        }
        if value.contains('.') && !value.contains([' ', '/', '\\']) {
            return IocValue::Domain(value.trim_end_matches('.').to_lowercase());
        }
        IocValue::Other(value)
    }
}

fn parse_ip(value: &str) -> Option<IpAddr> {
    let value = value.trim_start_matches('[');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(net) = value.parse::<IpNet>() {
        return Some(net.addr());
    }
    // `1.2.3.4:443`, `[2001:db8::1]:443`, `1.2.3.4|443`
    let host = value
        .rsplit_once("]:")
        .map(|(host, _)| host)
        .or_else(|| value.rsplit_once(['|', ':']).map(|(host, _)| host))?;
    host.parse().ok()
}

enum Entries {
    Cidr(CidrSet),
    Exact(HashSet<String>),
    Substring(Vec<String>),
}

#[derive(Default)]
struct CidrSet {
    v4: Vec<(u8, HashSet<u32>)>,
    v6: Vec<(u8, HashSet<u128>)>,
}

impl CidrSet {
    fn insert(&mut self, net: IpNet) {
        match net {
            IpNet::V4(net) => {
                let prefix = net.prefix_len();
                let key = u32::from(net.network());
                match self.v4.iter_mut().find(|(p, _)| *p == prefix) {
                    Some((_, set)) => {
                        set.insert(key);
                    }
                    None => self.v4.push((prefix, HashSet::from_iter([key]))),
                }
            }
            IpNet::V6(net) => {
                let prefix = net.prefix_len();
                let key = u128::from(net.network());
                match self.v6.iter_mut().find(|(p, _)| *p == prefix) {
                    Some((_, set)) => {
                        set.insert(key);
                    }
                    None => self.v6.push((prefix, HashSet::from_iter([key]))),
                }
            }
        }
    }

    fn find(&self, ip: IpAddr) -> Option<IpNet> {
        match ip {
            IpAddr::V4(ip) => {
                let bits = u32::from(ip);
                self.v4.iter().find_map(|(prefix, set)| {
                    let mask = u32::MAX.checked_shl(32 - *prefix as u32).unwrap_or(0);
                    set.contains(&(bits & mask))
                        .then(|| IpNet::new(IpAddr::V4((bits & mask).into()), *prefix).ok())
                        .flatten()
                })
            }
            IpAddr::V6(ip) => {
                let bits = u128::from(ip);
                self.v6.iter().find_map(|(prefix, set)| {
                    let mask = u128::MAX.checked_shl(128 - *prefix as u32).unwrap_or(0);
                    set.contains(&(bits & mask))
                        .then(|| IpNet::new(IpAddr::V6((bits & mask).into()), *prefix).ok())
                        .flatten()
                })
            }
        }
    }
}

/// One MISP warninglist, parsed.
pub struct Warninglist {
    /// The list's directory name in MISP (`public-dns-v4`).
    pub id: &'static str,
    /// Its `name`.
    pub name: String,
    /// Its `description`.
    pub description: String,
    /// How entries match.
    pub kind: ListKind,
    /// The MISP attribute types the list applies to.
    pub matching_attributes: Vec<String>,
    entries: Entries,
    len: usize,
}

impl fmt::Debug for Warninglist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warninglist")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("entries", &self.len)
            .finish()
    }
}

impl Warninglist {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn applies_to(&self, attributes: &[&str]) -> bool {
        self.matching_attributes
            .iter()
            .any(|a| attributes.contains(&a.as_str()))
    }

    fn match_ip(&self, ip: IpAddr) -> Option<String> {
        match &self.entries {
            Entries::Cidr(set) => set.find(ip).map(|net| net.to_string()),
            _ => None,
        }
    }

    fn match_text(&self, text: &str) -> Option<String> {
        match &self.entries {
            Entries::Cidr(_) => None,
            Entries::Exact(set) if self.kind == ListKind::Hostname => {
                // The name itself or any parent domain.
                let mut rest = text;
                loop {
                    if set.contains(rest) {
                        return Some(rest.to_owned());
                    }
                    rest = rest.split_once('.')?.1;
                }
            }
            Entries::Exact(set) => set.contains(text).then(|| text.to_owned()),
            Entries::Substring(entries) => {
                entries.iter().find(|e| text.contains(e.as_str())).cloned()
            }
        }
    }
}

fn parse(id: &'static str, json: &str) -> Option<Warninglist> {
    let file: ListFile = serde_json::from_str(json).ok()?;
    let kind = match file.kind.as_str() {
        "cidr" => ListKind::Cidr,
        "hostname" => ListKind::Hostname,
        "string" => ListKind::String,
        "substring" => ListKind::Substring,
        _ => return None,
    };
    let len = file.list.len();
    let normalize = |entry: &str| {
        entry
            .trim()
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_lowercase()
    };
    let entries = match kind {
        ListKind::Cidr => {
            let mut set = CidrSet::default();
            for entry in &file.list {
                let entry = entry.trim();
                let net = entry
                    .parse::<IpNet>()
                    .ok()
                    .or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from));
                if let Some(net) = net {
                    set.insert(net.trunc());
                }
            }
            Entries::Cidr(set)
        }
        ListKind::Hostname | ListKind::String => {
            Entries::Exact(file.list.iter().map(|e| normalize(e)).collect())
        }
        ListKind::Substring => {
            Entries::Substring(file.list.iter().map(|e| e.trim().to_lowercase()).collect())
        }
    };
    Some(Warninglist {
        id,
        name: file.name,
        description: file.description,
        kind,
        matching_attributes: file.matching_attributes,
        entries,
        len,
    })
}

/// Why a value was flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitReason {
    /// The value is on a MISP warninglist: a known false positive as an IoC.
    Listed {
        /// The list's id (`public-dns-v4`).
        list: &'static str,
        /// The list's name.
        name: String,
        /// The entry that matched (the network, the parent domain, the hash…).
        entry: String,
    },
    /// The address is private, loopback, link-local, shared (CGNAT), unique-local or otherwise
    /// internal: sharing it reveals the victim's network, and it is no IoC for anyone else.
    InternalAddress {
        /// Which kind of internal range.
        range: &'static str,
    },
}

impl fmt::Display for HitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HitReason::Listed { list, name, entry } => {
                write!(f, "on MISP warninglist {list} ({name}) as {entry}")
            }
            HitReason::InternalAddress { range } => {
                write!(
                    f,
                    "internal address ({range}): reveals the network, no IoC for others"
                )
            }
        }
    }
}

/// All embedded lists, parsed.
pub struct Warninglists {
    lists: Vec<Warninglist>,
    by_kind: ByKind,
}

impl fmt::Debug for Warninglists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.lists).finish()
    }
}

/// The embedded lists, parsed on first use and shared afterwards.
pub fn builtin() -> &'static Warninglists {
    static LISTS: OnceLock<Warninglists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let lists: Vec<Warninglist> = EMBEDDED
            .iter()
            .filter_map(|(id, json)| parse(id, json))
            .collect();
        let applying = |attributes: &[&str]| -> Vec<usize> {
            (0..lists.len())
                .filter(|&i| lists[i].applies_to(attributes))
                .collect()
        };
        let by_kind = ByKind {
            ip: applying(&["ip-src", "ip-dst"]),
            hash: applying(&["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]),
            domain: applying(&["domain", "hostname"]),
            url: applying(&["url", "domain", "hostname"]),
        };
        Warninglists { lists, by_kind }
    })
}

/// Which lists apply to each kind of value, decided once when the lists are loaded (every
/// check used to compare each list's attribute names again).
#[derive(Default)]
struct ByKind {
    ip: Vec<usize>,
    hash: Vec<usize>,
    domain: Vec<usize>,
    url: Vec<usize>,
}

impl Warninglists {
    /// The lists.
    pub fn lists(&self) -> &[Warninglist] {
        &self.lists
    }

    /// Checks an indicator value (address, domain, URL, e-mail address, hash) against every
    /// list that applies to its kind, and addresses against the internal ranges.
    pub fn check(&self, value: &str) -> Vec<HitReason> {
        self.check_value(&IocValue::classify(value))
    }

    /// [`Warninglists::check`] for a value whose kind the caller knows already (the hub's
    /// normalized values): the same lists, without classifying the text again.
    pub fn check_value(&self, ioc: &IocValue) -> Vec<HitReason> {
        let mut hits = Vec::new();
        let listed = |list: &Warninglist, entry: String| HitReason::Listed {
            list: list.id,
            name: list.name.clone(),
            entry,
        };
        match ioc {
            IocValue::Ip(ip) => {
                if let Some(range) = internal_range(*ip) {
                    hits.push(HitReason::InternalAddress { range });
                }
                for list in self.by_kind.ip.iter().map(|&i| &self.lists[i]) {
                    if let Some(entry) = list.match_ip(*ip) {
                        hits.push(listed(list, entry));
                    }
                }
            }
            IocValue::Hash(hash) => {
                for list in self.by_kind.hash.iter().map(|&i| &self.lists[i]) {
                    if let Some(entry) = list.match_text(hash) {
                        hits.push(listed(list, entry));
                    }
                }
            }
            IocValue::Domain(host) | IocValue::Email { domain: host, .. } => {
                for list in self.by_kind.domain.iter().map(|&i| &self.lists[i]) {
                    if let Some(entry) = list.match_text(host) {
                        hits.push(listed(list, entry));
                    }
                }
            }
            IocValue::Url { url, host } => {
                if let Some(ip) = parse_ip(host) {
                    return self.check(&ip.to_string());
                }
                let url = url.to_lowercase();
                for list in self.by_kind.url.iter().map(|&i| &self.lists[i]) {
                    let text = if list.kind == ListKind::Substring {
                        &url
                    } else {
                        host
                    };
                    if let Some(entry) = list.match_text(text) {
                        hits.push(listed(list, entry));
                    }
                }
            }
            IocValue::Other(_) => {}
        }
        hits
    }
}

/// The internal range an address belongs to, if any.
pub fn internal_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_private() {
                Some("private (RFC 1918)")
            } else if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if a == 100 && (64..128).contains(&b) {
                Some("shared address space (RFC 6598, CGNAT)")
            } else if v4.is_unspecified() {
                Some("unspecified")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_range(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("unique local (fc00::/7)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local (fe80::/10)")
            } else {
                None
            }
        }
    }
}
