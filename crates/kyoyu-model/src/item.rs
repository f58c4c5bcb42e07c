//! Items: the pieces of information an incident could send out.
//!
//! Key decision: an item's kind fixes its class (technical, context, intermediate) — guidance G2 —
//! and the body carries only the fields that kind can have, so "a vulnerability without a product
//! or CVE" or "an IoC with neither value nor sample" cannot be represented.

use std::fmt;
use std::str::FromStr;

use crate::InvalidValue;
use crate::timeline::Timestamp;
use crate::tlp::Tlp;

/// An item's id, unique within its incident.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(String);

impl ItemId {
    /// Validates an id: 1–128 characters, no blanks or control characters.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        if text.is_empty()
            || text.chars().count() > 128
            || text
                .chars()
                .any(|character| character.is_whitespace() || character.is_control())
        {
            return Err(InvalidValue::new(
                format!(
                    "`{text}` は項目の id として使えません。空白を含まない 1〜128 文字にしてください"
                ),
                format!("`{text}` is not an item id; expected 1 to 128 characters without blanks"),
            ));
        }
        Ok(ItemId(text.to_owned()))
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// The guidance's classes of information (G2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InfoClass {
    /// Specific to the victim: name, damage, response history.
    Context,
    /// Not unique to the victim: IoCs, TTPs, attack time.
    Technical,
    /// Names a third party: exploited product, abused service.
    Intermediate,
}

impl InfoClass {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            InfoClass::Context => "context",
            InfoClass::Technical => "technical",
            InfoClass::Intermediate => "intermediate",
        }
    }
}

/// The kinds of item of Table 4 (G3), plus the victim's identity itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    /// 対応の経緯.
    ResponseHistory,
    /// 被害内容.
    Damage,
    /// 攻撃時期.
    AttackTime,
    /// 攻撃手法 (TTP).
    Ttp,
    /// 悪用された脆弱性.
    Vulnerability,
    /// 踏み台 (abused third-party website or service).
    AbusedService,
    /// マルウェア・通信先.
    Ioc,
    /// The victim's name, sector, locations, people.
    VictimIdentity,
}

impl ItemKind {
    /// Every kind, in the contract's order.
    pub const ALL: [ItemKind; 8] = [
        ItemKind::ResponseHistory,
        ItemKind::Damage,
        ItemKind::AttackTime,
        ItemKind::Ttp,
        ItemKind::Vulnerability,
        ItemKind::AbusedService,
        ItemKind::Ioc,
        ItemKind::VictimIdentity,
    ];

    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::ResponseHistory => "response_history",
            ItemKind::Damage => "damage",
            ItemKind::AttackTime => "attack_time",
            ItemKind::Ttp => "ttp",
            ItemKind::Vulnerability => "vulnerability",
            ItemKind::AbusedService => "abused_service",
            ItemKind::Ioc => "ioc",
            ItemKind::VictimIdentity => "victim_identity",
        }
    }

    /// The class the kind belongs to (G2).
    pub fn class(self) -> InfoClass {
        match self {
            ItemKind::ResponseHistory | ItemKind::Damage | ItemKind::VictimIdentity => {
                InfoClass::Context
            }
            ItemKind::AttackTime | ItemKind::Ttp | ItemKind::Ioc => InfoClass::Technical,
            ItemKind::Vulnerability | ItemKind::AbusedService => InfoClass::Intermediate,
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for ItemKind {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ItemKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ItemKind::ALL.iter().map(|kind| kind.as_str()).collect();
                InvalidValue::new(
                    format!(
                        "`{text}` は項目の種類ではありません。次のいずれかを書いてください: {}{}",
                        names.join(", "),
                        crate::suggest::hint_ja(text, names.iter().copied())
                    ),
                    format!(
                        "`{text}` is not an item kind; expected one of {}{}",
                        names.join(", "),
                        crate::suggest::hint_en(text, names.iter().copied())
                    ),
                )
            })
    }
}

/// The observable type of an IoC: a STIX 2.1 cyber-observable type name, or `hostname`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IocType(&'static str);

impl IocType {
    /// Checks an indicator's value against its type and gives it in the form kyoyu keeps:
    /// addresses (or CIDR ranges) must parse, a domain or host name holds no scheme, path,
    /// `@` or blank, a URL has a scheme and a host, an e-mail address one `@` between a local
    /// part and a domain, and a file hash written `sha256:<hex>` (or `md5:`, `sha1:`,
    /// `sha512:`) is that hash, lower-case. A value that is silently wrong is worse than one
    /// refused: it would be shared as an indicator no tool can match.
    pub fn check_value(&self, value: &str) -> Result<String, InvalidValue> {
        let trimmed = value.trim();
        let bad = |expected_ja: &str, expected_en: &str| {
            Err(InvalidValue::new(
                format!(
                    "`{value}` は `{}` の値として正しくありません。{expected_ja}",
                    self.as_str()
                ),
                format!(
                    "`{value}` is not a `{}` value; expected {expected_en}",
                    self.as_str()
                ),
            ))
        };
        let blank_or_delimited = |text: &str| {
            text.is_empty()
                || text
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '@' | '\\'))
        };
        match self.as_str() {
            "ipv4-addr" => {
                let ok = trimmed.parse::<std::net::Ipv4Addr>().is_ok()
                    || trimmed.parse::<ipnet::Ipv4Net>().is_ok();
                if ok {
                    Ok(trimmed.to_owned())
                } else {
                    bad(
                        "203.0.113.7 のような 4 つの数（0〜255）を点で区切った IPv4 アドレスか CIDR 範囲を書いてください",
                        "a dotted IPv4 address or CIDR range such as 203.0.113.7",
                    )
                }
            }
            "ipv6-addr" => {
                let ok = trimmed.parse::<std::net::Ipv6Addr>().is_ok()
                    || trimmed.parse::<ipnet::Ipv6Net>().is_ok();
                if ok {
                    Ok(trimmed.to_owned())
                } else {
                    bad(
                        "2001:db8::7 のような IPv6 アドレスか CIDR 範囲を書いてください",
                        "an IPv6 address or CIDR range such as 2001:db8::7",
                    )
                }
            }
            "domain-name" | "hostname" => {
                if trimmed.contains("://") {
                    return bad(
                        "スキーム（https:// など）のない名前を書いてください（URL は type = \"url\" の項目です）",
                        "a name without a scheme (a URL is of type `url`)",
                    );
                }
                let labels_ok = trimmed.len() <= 253
                    && trimmed
                        .trim_end_matches('.')
                        .split('.')
                        .all(|label| !label.is_empty() && label.chars().count() <= 63);
                if blank_or_delimited(trimmed) || !labels_ok || trimmed.contains(':') {
                    bad(
                        "update-check.example.net のような名前を書いてください（パス、ポート、`@`、空白は含めません）",
                        "a name such as update-check.example.net (no path, port, `@` or blank)",
                    )
                } else {
                    Ok(trimmed.to_owned())
                }
            }
            "url" => match trimmed.split_once("://") {
                Some((scheme, rest))
                    if !scheme.is_empty()
                        && scheme
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                        && !rest.is_empty()
                        && !rest.starts_with('/')
                        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                {
                    Ok(trimmed.to_owned())
                }
                _ => bad(
                    "https://example.net/path のように、スキームとホストのある URL を書いてください",
                    "a URL with a scheme and a host, such as https://example.net/path",
                ),
            },
            "email-addr" => match trimmed.split_once('@') {
                Some((local, domain))
                    if !local.is_empty()
                        && domain.contains('.')
                        && !domain.contains('@')
                        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                {
                    Ok(trimmed.to_owned())
                }
                _ => bad(
                    "someone@example.net のようなメールアドレスを書いてください",
                    "an address such as someone@example.net",
                ),
            },
            "file" => {
                let lower = trimmed.to_ascii_lowercase();
                let prefixed = [
                    ("md5:", 32),
                    ("sha1:", 40),
                    ("sha-1:", 40),
                    ("sha256:", 64),
                    ("sha-256:", 64),
                    ("sha512:", 128),
                    ("sha-512:", 128),
                ]
                .into_iter()
                .find(|(prefix, _)| lower.starts_with(prefix));
                match prefixed {
                    Some((prefix, length)) => {
                        let hash = lower[prefix.len()..].trim();
                        if hash.len() == length && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                            Ok(hash.to_owned())
                        } else {
                            bad(
                                &format!(
                                    "`{prefix}` の後には {length} 桁の16進数のハッシュを書いてください"
                                ),
                                &format!("after `{prefix}` a hash of {length} hexadecimal digits"),
                            )
                        }
                    }
                    // A bare hash or a file name.
                    None if trimmed.is_empty() => bad(
                        "ハッシュかファイル名を書いてください",
                        "a hash or a file name",
                    ),
                    None => {
                        let hex = trimmed.bytes().all(|b| b.is_ascii_hexdigit());
                        if hex && matches!(trimmed.len(), 32 | 40 | 64 | 128) {
                            Ok(lower)
                        } else {
                            Ok(trimmed.to_owned())
                        }
                    }
                }
            }
            _ => Ok(trimmed.to_owned()),
        }
    }

    /// The accepted names: the STIX 2.1 SCO types used for indicators, plus `hostname`.
    pub const KNOWN: [&'static str; 17] = [
        "domain-name",
        "hostname",
        "ipv4-addr",
        "ipv6-addr",
        "url",
        "file",
        "email-addr",
        "email-message",
        "network-traffic",
        "x509-certificate",
        "mutex",
        "windows-registry-key",
        "user-account",
        "autonomous-system",
        "mac-addr",
        "process",
        "software",
    ];

    /// Validates a type name against [`IocType::KNOWN`].
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        IocType::KNOWN
            .into_iter()
            .find(|known| *known == text)
            .map(IocType)
            .ok_or_else(|| {
                InvalidValue::new(
                    format!(
                        "`{text}` は IoC の種類ではありません。次のいずれかを書いてください: {}{}",
                        IocType::KNOWN.join(", "),
                        crate::suggest::hint_ja(text, IocType::KNOWN)
                    ),
                    format!(
                        "`{text}` is not an IoC type; expected one of {}{}",
                        IocType::KNOWN.join(", "),
                        crate::suggest::hint_en(text, IocType::KNOWN)
                    ),
                )
            })
    }

    /// The type name.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// An IoC type as people write it: a kyoyu type ([`IocType::KNOWN`]) or one of the names the
/// field uses for the same thing — MISP attribute types (`sha256`, `ip-dst`, `domain`,
/// `filename|sha256`, `ip-dst|port`, `email-src`, `link`) and STIX observable paths
/// (`file:hashes.'SHA-256'`, `domain-name:value`, `ipv4-addr:value`). [`WrittenIocType::resolve`]
/// gives the kyoyu type and the value in its form; an address alias takes its family from the
/// value, a pair alias keeps its indicator half (the hash, the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenIocType {
    written: String,
    alias: Alias,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alias {
    /// A kyoyu type, as is.
    Known(&'static str),
    /// A hash type: the value is `<prefix><hex>` of type `file`.
    Hash(&'static str),
    /// `filename|<hash>`: the hash, of type `file`.
    NameAndHash(&'static str),
    /// An address of either family.
    Address,
    /// `ip|port`: the address.
    AddressAndPort,
}

/// The aliases, lower case.
const IOC_ALIASES: &[(&str, Alias)] = &[
    ("md5", Alias::Hash("md5:")),
    ("sha1", Alias::Hash("sha1:")),
    ("sha-1", Alias::Hash("sha1:")),
    ("sha256", Alias::Hash("sha256:")),
    ("sha-256", Alias::Hash("sha256:")),
    ("sha512", Alias::Hash("sha512:")),
    ("sha-512", Alias::Hash("sha512:")),
    ("file:hashes.md5", Alias::Hash("md5:")),
    ("file:hashes.'md5'", Alias::Hash("md5:")),
    ("file:hashes.'sha-1'", Alias::Hash("sha1:")),
    ("file:hashes.sha1", Alias::Hash("sha1:")),
    ("file:hashes.'sha-256'", Alias::Hash("sha256:")),
    ("file:hashes.sha256", Alias::Hash("sha256:")),
    ("file:hashes.'sha-512'", Alias::Hash("sha512:")),
    ("file:hashes.sha512", Alias::Hash("sha512:")),
    ("filename|md5", Alias::NameAndHash("md5:")),
    ("filename|sha1", Alias::NameAndHash("sha1:")),
    ("filename|sha256", Alias::NameAndHash("sha256:")),
    ("filename|sha512", Alias::NameAndHash("sha512:")),
    ("ip-src", Alias::Address),
    ("ip-dst", Alias::Address),
    ("ip", Alias::Address),
    ("ipv4-addr:value", Alias::Address),
    ("ipv6-addr:value", Alias::Address),
    ("ip-src|port", Alias::AddressAndPort),
    ("ip-dst|port", Alias::AddressAndPort),
    ("domain", Alias::Known("domain-name")),
    ("domain-name:value", Alias::Known("domain-name")),
    ("url:value", Alias::Known("url")),
    ("link", Alias::Known("url")),
    ("uri", Alias::Known("url")),
    ("email", Alias::Known("email-addr")),
    ("email-src", Alias::Known("email-addr")),
    ("email-dst", Alias::Known("email-addr")),
    ("email-addr:value", Alias::Known("email-addr")),
    ("mutex:name", Alias::Known("mutex")),
];

impl WrittenIocType {
    /// Recognizes a type name: a kyoyu type or an alias (case does not matter for aliases).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let written = text.trim();
        if let Ok(known) = IocType::parse(written) {
            return Ok(WrittenIocType {
                written: written.to_owned(),
                alias: Alias::Known(known.as_str()),
            });
        }
        let lower = written.to_lowercase();
        if let Some((_, alias)) = IOC_ALIASES.iter().find(|(name, _)| *name == lower) {
            return Ok(WrittenIocType {
                written: written.to_owned(),
                alias: *alias,
            });
        }
        let names = || {
            IocType::KNOWN
                .into_iter()
                .chain(IOC_ALIASES.iter().map(|(name, _)| *name))
        };
        Err(InvalidValue::new(
            format!(
                "`{text}` は IoC の種類ではありません。次のいずれかを書いてください: {}（MISP の属性型 sha256, ip-dst, domain などや STIX の観測パスも使えます）{}",
                IocType::KNOWN.join(", "),
                crate::suggest::hint_ja(&lower, names())
            ),
            format!(
                "`{text}` is not an IoC type; expected one of {} (MISP attribute types such as sha256, ip-dst, domain and STIX observable paths work too){}",
                IocType::KNOWN.join(", "),
                crate::suggest::hint_en(&lower, names())
            ),
        ))
    }

    /// The name as written.
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The kyoyu type when there is no value (an item with only a sample `path`): an address
    /// alias needs its value to tell IPv4 from IPv6.
    pub fn without_value(&self) -> Result<IocType, InvalidValue> {
        match self.alias {
            Alias::Known(kind) => Ok(IocType(kind)),
            Alias::Hash(_) | Alias::NameAndHash(_) => Ok(IocType("file")),
            Alias::Address | Alias::AddressAndPort => Err(InvalidValue::new(
                format!(
                    "`{}` には値が必要です（IPv4 か IPv6 かを値で判断します）",
                    self.written
                ),
                format!("`{}` needs a value (it tells IPv4 from IPv6)", self.written),
            )),
        }
    }

    /// The kyoyu type and the value in the form kyoyu keeps ([`IocType::check_value`]).
    pub fn resolve(&self, value: &str) -> Result<(IocType, String), InvalidValue> {
        let value = value.trim();
        let hashed = |prefix: &str, hash: &str| {
            let hash = hash.trim();
            let has_prefix = [
                "md5:", "sha1:", "sha-1:", "sha256:", "sha-256:", "sha512:", "sha-512:",
            ]
            .iter()
            .any(|p| hash.to_ascii_lowercase().starts_with(p));
            if has_prefix {
                hash.to_owned()
            } else {
                format!("{prefix}{hash}")
            }
        };
        let (kind, value): (&'static str, String) = match self.alias {
            Alias::Known(kind) => (kind, value.to_owned()),
            Alias::Hash(prefix) => ("file", hashed(prefix, value)),
            Alias::NameAndHash(prefix) => {
                let hash = value.rsplit_once('|').map_or(value, |(_, hash)| hash);
                ("file", hashed(prefix, hash))
            }
            Alias::Address | Alias::AddressAndPort => {
                let address = match self.alias {
                    Alias::AddressAndPort => value.split_once('|').map_or(value, |(a, _)| a),
                    _ => value,
                }
                .trim();
                let kind = if address.contains(':') {
                    "ipv6-addr"
                } else {
                    "ipv4-addr"
                };
                (kind, address.to_owned())
            }
        };
        let kind = IocType(kind);
        let checked = kind.check_value(&value)?;
        Ok((kind, checked))
    }
}

/// A CVE id (`CVE-YYYY-NNNN…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cve(String);

impl Cve {
    /// Validates the form `CVE-` four digits `-` four or more digits (case-insensitive input).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let upper = text.trim().to_ascii_uppercase();
        let mut parts = upper.splitn(3, '-');
        let valid = parts.next() == Some("CVE")
            && parts
                .next()
                .is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_some_and(|number| {
                number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit())
            });
        if valid {
            Ok(Cve(upper))
        } else {
            Err(InvalidValue::new(
                format!("`{text}` は CVE 番号ではありません。CVE-2026-12345 の形で書いてください"),
                format!("`{text}` is not a CVE id; expected the form CVE-2026-12345"),
            ))
        }
    }

    /// The id, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A MITRE ATT&CK technique id (`T1190`, `T1566.001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttackTechnique(String);

impl AttackTechnique {
    /// Validates the form `T` four digits, optionally `.` three digits.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let upper = text.trim().to_ascii_uppercase();
        let digits = |part: &str, count: usize| {
            part.len() == count && part.bytes().all(|b| b.is_ascii_digit())
        };
        let valid = match upper.strip_prefix('T') {
            Some(rest) => match rest.split_once('.') {
                Some((technique, sub)) => digits(technique, 4) && digits(sub, 3),
                None => digits(rest, 4),
            },
            None => false,
        };
        if valid {
            Ok(AttackTechnique(upper))
        } else {
            Err(InvalidValue::new(
                format!(
                    "`{text}` は MITRE ATT&CK の手法 id ではありません。T1190 や T1566.001 の形で書いてください"
                ),
                format!(
                    "`{text}` is not a MITRE ATT&CK technique id; expected the form T1190 or T1566.001"
                ),
            ))
        }
    }

    /// The id, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The observed window of an attack: `from`, and `to` when it is known to have ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackWindow {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl AttackWindow {
    /// Validates that at least one end is given and the window does not end before it starts.
    pub fn new(from: Option<Timestamp>, to: Option<Timestamp>) -> Result<Self, InvalidValue> {
        match (from, to) {
            (None, None) => Err(InvalidValue::new(
                "攻撃時期には `from`（開始）か `to`（終了）、または両方が必要です",
                "an attack window needs `from`, `to` or both",
            )),
            (Some(start), Some(end)) if end < start => Err(InvalidValue::new(
                format!("攻撃時期の終了（{end}）が開始（{start}）より前になっています"),
                format!("the attack window ends ({end}) before it starts ({start})"),
            )),
            _ => Ok(AttackWindow { from, to }),
        }
    }

    /// When the attack was first observed.
    pub fn from(&self) -> Option<Timestamp> {
        self.from
    }

    /// When the attack was last observed.
    pub fn to(&self) -> Option<Timestamp> {
        self.to
    }
}

/// What an item holds, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemBody {
    /// Context: response history, described in `Item::text`.
    ResponseHistory,
    /// Context: damage, described in `Item::text`.
    Damage,
    /// Context: the victim's identity, described in `Item::text`.
    VictimIdentity,
    /// Technical: the attack's observed window.
    AttackTime(AttackWindow),
    /// Technical: a technique, by ATT&CK id and/or in `Item::text`.
    Ttp {
        /// The ATT&CK technique, when known.
        technique: Option<AttackTechnique>,
    },
    /// Intermediate: an exploited vulnerability.
    Vulnerability {
        /// The product and version.
        product: Option<String>,
        /// The CVE id, when assigned.
        cve: Option<Cve>,
        /// Whether the product developer has published a fix; `None` when not known.
        fix_available: Option<bool>,
    },
    /// Intermediate: an abused third-party website or service.
    AbusedService {
        /// Its address or name.
        value: Option<String>,
    },
    /// Technical: an indicator (malware, communication destination).
    Ioc {
        /// The observable type.
        ioc_type: IocType,
        /// The indicator's value (domain, address, hash…), when given.
        value: Option<String>,
        /// A sample file, relative to the incident file, when given.
        path: Option<String>,
    },
}

/// One piece of information of the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Unique id within the incident.
    pub id: ItemId,
    /// Free text describing the item; context items always have it.
    pub text: Option<String>,
    /// The TLP label the organization gave it.
    pub tlp: Option<Tlp>,
    /// True when the item is know-how (lessons, recurrence prevention): guidance G11②.
    pub knowhow: bool,
    /// The kind-specific part.
    pub body: ItemBody,
}

impl Item {
    /// The TLP the item is shared with: its own label, or [`crate::UNMARKED_SHARE_TLP`].
    pub fn share_tlp(&self) -> crate::Tlp {
        self.tlp.unwrap_or(crate::UNMARKED_SHARE_TLP)
    }

    /// The item's kind, derived from its body.
    pub fn kind(&self) -> ItemKind {
        match &self.body {
            ItemBody::ResponseHistory => ItemKind::ResponseHistory,
            ItemBody::Damage => ItemKind::Damage,
            ItemBody::VictimIdentity => ItemKind::VictimIdentity,
            ItemBody::AttackTime(_) => ItemKind::AttackTime,
            ItemBody::Ttp { .. } => ItemKind::Ttp,
            ItemBody::Vulnerability { .. } => ItemKind::Vulnerability,
            ItemBody::AbusedService { .. } => ItemKind::AbusedService,
            ItemBody::Ioc { .. } => ItemKind::Ioc,
        }
    }

    /// The item's class (G2).
    pub fn class(&self) -> InfoClass {
        self.kind().class()
    }

    /// Every piece of text the item would carry out of the organization, with the field name.
    pub fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut texts = Vec::new();
        match &self.body {
            ItemBody::Vulnerability {
                product: Some(product),
                ..
            } => texts.push(("product", product.as_str())),
            ItemBody::AbusedService { value: Some(value) } => texts.push(("value", value.as_str())),
            ItemBody::Ioc { value, path, .. } => {
                if let Some(value) = value {
                    texts.push(("value", value.as_str()));
                }
                if let Some(path) = path {
                    texts.push(("path", path.as_str()));
                }
            }
            _ => {}
        }
        if let Some(text) = &self.text {
            texts.push(("text", text.as_str()));
        }
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_validated() {
        assert_eq!(
            Cve::parse("cve-2026-0000").map(|cve| cve.0),
            Ok("CVE-2026-0000".to_owned())
        );
        assert!(Cve::parse("CVE-26-1").is_err());
        assert!(AttackTechnique::parse("T1566.001").is_ok());
        assert!(AttackTechnique::parse("T15").is_err());
        assert!(AttackTechnique::parse("1190").is_err());
        assert!(IocType::parse("domain-name").is_ok());
        assert!(IocType::parse("domain").is_err());
        assert!(ItemId::parse("c2 1").is_err());
    }

    #[test]
    fn every_kind_has_its_class() {
        assert_eq!(ItemKind::Damage.class(), InfoClass::Context);
        assert_eq!(ItemKind::Ioc.class(), InfoClass::Technical);
        assert_eq!(ItemKind::AbusedService.class(), InfoClass::Intermediate);
        assert_eq!(
            "victim_identity".parse::<ItemKind>(),
            Ok(ItemKind::VictimIdentity)
        );
        assert!("malware".parse::<ItemKind>().is_err());
    }
}
