//! MISP attribute types ↔ STIX 2.1 observables, following the MISP↔STIX 2.1 mapping tables of
//! MISP/misp-stix (`documentation/mapping/misp_attributes_to_stix21.json`).
//!
//! Key decision: one static table. Each supported MISP type lists the STIX comparisons its
//! value becomes, in the order the mapping table's indicator pattern writes them: object type,
//! property path, and where the value comes from (a part of a composite `a|b` value, the
//! address type of an IP part, or a fixed text). The same table drives both directions, and a
//! test renders every entry as a STIX pattern and compares it with the mapping table, so the
//! table cannot drift from MISP's own mapping. The description is neutral: kyoyu-stix (or any
//! other consumer) builds STIX objects or patterns from it without this crate knowing STIX.

use crate::wire::Attribute;

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Part `n` of the value (0 for non-composite types; 0 and 1 around the `|`).
    Part(usize),
    /// `ipv4-addr` or `ipv6-addr`, from the address in part `n`.
    AddressTypeOf(usize),
    /// A fixed text (`github` for `user-account:account_type`).
    Fixed(&'static str),
}

/// One comparison of the mapping: `object_type:property = <source>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldSpec {
    object_type: &'static str,
    property: &'static str,
    source: Source,
}

/// A MISP attribute type this crate maps, with its STIX 2.1 form.
#[derive(Debug, PartialEq, Eq)]
pub struct AttributeKind {
    /// The MISP attribute type (`filename|sha256`).
    pub misp_type: &'static str,
    /// The MISP category a producer uses by default (`Network activity`, `Payload delivery`).
    pub default_category: &'static str,
    fields: &'static [FieldSpec],
}

/// One STIX comparison of an observable: `("file", "hashes.'SHA-256'", "7fa3…")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObservableField {
    /// STIX object type (`domain-name`, `file`, `network-traffic`; `vulnerability` for CVEs).
    pub object_type: &'static str,
    /// Property path as STIX patterning writes it (`value`, `hashes.'SHA-256'`, `dst_ref.value`).
    pub property: &'static str,
    /// The value.
    pub value: String,
}

/// A MISP attribute value described as STIX comparisons, in the mapping table's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Observable {
    /// The comparisons; more than one for composite and IP types.
    pub fields: Vec<ObservableField>,
}

const fn part(object_type: &'static str, property: &'static str, index: usize) -> FieldSpec {
    FieldSpec {
        object_type,
        property,
        source: Source::Part(index),
    }
}

const fn address_type(
    object_type: &'static str,
    property: &'static str,
    index: usize,
) -> FieldSpec {
    FieldSpec {
        object_type,
        property,
        source: Source::AddressTypeOf(index),
    }
}

const fn fixed(object_type: &'static str, property: &'static str, text: &'static str) -> FieldSpec {
    FieldSpec {
        object_type,
        property,
        source: Source::Fixed(text),
    }
}

const NETWORK: &str = "Network activity";
const PAYLOAD: &str = "Payload delivery";
const EXTERNAL: &str = "External analysis";
const ARTIFACTS: &str = "Artifacts dropped";

macro_rules! kind {
    ($misp_type:literal, $category:expr, [$($field:expr),+ $(,)?]) => {
        AttributeKind { misp_type: $misp_type, default_category: $category, fields: &[$($field),+] }
    };
}

macro_rules! hash_kinds {
    ($(($hash:literal, $filename_hash:literal, $property:literal)),+ $(,)?) => {
        [$(
            kind!($hash, PAYLOAD, [part("file", $property, 0)]),
            kind!($filename_hash, PAYLOAD, [part("file", "name", 0), part("file", $property, 1)]),
        )+]
    };
}

const HASH_KINDS: [AttributeKind; 30] = hash_kinds![
    ("md5", "filename|md5", "hashes.MD5"),
    ("sha1", "filename|sha1", "hashes.'SHA-1'"),
    ("sha224", "filename|sha224", "hashes.'SHA-224'"),
    ("sha256", "filename|sha256", "hashes.'SHA-256'"),
    ("sha384", "filename|sha384", "hashes.'SHA-384'"),
    ("sha512", "filename|sha512", "hashes.'SHA-512'"),
    ("sha3-224", "filename|sha3-224", "hashes.'SHA3-224'"),
    ("sha3-256", "filename|sha3-256", "hashes.'SHA3-256'"),
    ("sha3-384", "filename|sha3-384", "hashes.'SHA3-384'"),
    ("sha3-512", "filename|sha3-512", "hashes.'SHA3-512'"),
    ("ssdeep", "filename|ssdeep", "hashes.SSDEEP"),
    ("tlsh", "filename|tlsh", "hashes.TLSH"),
    ("imphash", "filename|imphash", "hashes.IMPHASH"),
    ("pehash", "filename|pehash", "hashes.PEHASH"),
    (
        "authentihash",
        "filename|authentihash",
        "hashes.AUTHENTIHASH"
    ),
];

/// Every other supported type. Where two MISP types share a STIX form (`domain` and
/// `hostname`; `url`, `link` and `uri`), the first one listed is what the reverse mapping
/// gives, as misp-stix does.
const OTHER_KINDS: [AttributeKind; 30] = [
    kind!(
        "ip-dst",
        NETWORK,
        [
            address_type("network-traffic", "dst_ref.type", 0),
            part("network-traffic", "dst_ref.value", 0)
        ]
    ),
    kind!(
        "ip-src",
        NETWORK,
        [
            address_type("network-traffic", "src_ref.type", 0),
            part("network-traffic", "src_ref.value", 0)
        ]
    ),
    kind!(
        "ip-dst|port",
        NETWORK,
        [
            address_type("network-traffic", "dst_ref.type", 0),
            part("network-traffic", "dst_ref.value", 0),
            part("network-traffic", "dst_port", 1),
        ]
    ),
    kind!(
        "ip-src|port",
        NETWORK,
        [
            address_type("network-traffic", "src_ref.type", 0),
            part("network-traffic", "src_ref.value", 0),
            part("network-traffic", "src_port", 1),
        ]
    ),
    kind!("domain", NETWORK, [part("domain-name", "value", 0)]),
    kind!("hostname", NETWORK, [part("domain-name", "value", 0)]),
    kind!(
        "domain|ip",
        NETWORK,
        [
            part("domain-name", "value", 0),
            part("domain-name", "resolves_to_refs[*].value", 1)
        ]
    ),
    kind!(
        "hostname|port",
        NETWORK,
        [
            part("domain-name", "value", 0),
            part("network-traffic", "dst_port", 1)
        ]
    ),
    kind!("port", NETWORK, [part("network-traffic", "dst_port", 0)]),
    kind!("url", NETWORK, [part("url", "value", 0)]),
    kind!("link", EXTERNAL, [part("url", "value", 0)]),
    kind!("uri", NETWORK, [part("url", "value", 0)]),
    kind!(
        "user-agent",
        NETWORK,
        [part(
            "network-traffic",
            "extensions.'http-request-ext'.request_header.'User-Agent'",
            0
        )]
    ),
    kind!(
        "http-method",
        NETWORK,
        [part(
            "network-traffic",
            "extensions.'http-request-ext'.request_method",
            0
        )]
    ),
    kind!("mac-address", NETWORK, [part("mac-addr", "value", 0)]),
    kind!("AS", NETWORK, [part("autonomous-system", "number", 0)]),
    kind!("email", PAYLOAD, [part("email-addr", "value", 0)]),
    kind!(
        "email-src",
        PAYLOAD,
        [part("email-message", "from_ref.value", 0)]
    ),
    kind!(
        "email-dst",
        PAYLOAD,
        [part("email-message", "to_refs[*].value", 0)]
    ),
    kind!(
        "email-subject",
        PAYLOAD,
        [part("email-message", "subject", 0)]
    ),
    kind!(
        "email-reply-to",
        PAYLOAD,
        [part(
            "email-message",
            "additional_header_fields.reply_to",
            0
        )]
    ),
    kind!(
        "email-message-id",
        PAYLOAD,
        [part("email-message", "message_id", 0)]
    ),
    kind!(
        "email-x-mailer",
        PAYLOAD,
        [part(
            "email-message",
            "additional_header_fields.x_mailer",
            0
        )]
    ),
    kind!("filename", PAYLOAD, [part("file", "name", 0)]),
    kind!("size-in-bytes", "Other", [part("file", "size", 0)]),
    kind!("mutex", ARTIFACTS, [part("mutex", "name", 0)]),
    kind!(
        "regkey",
        "Persistence mechanism",
        [part("windows-registry-key", "key", 0)]
    ),
    kind!(
        "x509-fingerprint-sha256",
        NETWORK,
        [part("x509-certificate", "hashes.'SHA-256'", 0)]
    ),
    kind!(
        "github-username",
        "Social network",
        [
            fixed("user-account", "account_type", "github"),
            part("user-account", "account_login", 0)
        ]
    ),
    kind!(
        "vulnerability",
        EXTERNAL,
        [part("vulnerability", "name", 0)]
    ),
];

const X509_KINDS: [AttributeKind; 2] = [
    kind!(
        "x509-fingerprint-sha1",
        NETWORK,
        [part("x509-certificate", "hashes.'SHA-1'", 0)]
    ),
    kind!(
        "x509-fingerprint-md5",
        NETWORK,
        [part("x509-certificate", "hashes.MD5", 0)]
    ),
];

/// The reverse mapping of a lone IP address object, which the table has only inside
/// `network-traffic`: misp-stix imports `ipv4-addr:value` as `ip-dst`.
const LONE_ADDRESS_TYPES: [&str; 2] = ["ipv4-addr", "ipv6-addr"];

impl AttributeKind {
    /// Every supported kind.
    pub fn all() -> impl Iterator<Item = &'static AttributeKind> {
        OTHER_KINDS
            .iter()
            .chain(HASH_KINDS.iter())
            .chain(X509_KINDS.iter())
    }

    /// The kind for a MISP attribute type (exact, as MISP spells types).
    pub fn from_misp_type(misp_type: &str) -> Option<&'static AttributeKind> {
        Self::all().find(|kind| kind.misp_type == misp_type)
    }

    /// True for `a|b` types.
    pub fn is_composite(&self) -> bool {
        self.misp_type.contains('|')
    }

    /// The value as STIX comparisons; `None` when a composite value has no `|`.
    pub fn observable(&self, value: &str) -> Option<Observable> {
        let parts: [&str; 2] = if self.is_composite() {
            let (left, right) = value.rsplit_once('|')?;
            [left, right]
        } else {
            [value, ""]
        };
        let fields = self
            .fields
            .iter()
            .map(|spec| ObservableField {
                object_type: spec.object_type,
                property: spec.property,
                value: match spec.source {
                    Source::Part(index) => parts[index].to_owned(),
                    Source::AddressTypeOf(index) => address_type_of(parts[index]).to_owned(),
                    Source::Fixed(text) => text.to_owned(),
                },
            })
            .collect();
        Some(Observable { fields })
    }
}

fn address_type_of(address: &str) -> &'static str {
    if address.contains(':') {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    }
}

impl Attribute {
    /// The attribute's kind, when this crate maps its type.
    pub fn kind(&self) -> Option<&'static AttributeKind> {
        AttributeKind::from_misp_type(&self.attribute_type)
    }

    /// The attribute's value as STIX comparisons, when its type is mapped.
    pub fn observable(&self) -> Option<Observable> {
        self.kind()?.observable(&self.value)
    }
}

impl Observable {
    /// A single comparison (`("domain-name", "value", "x.example")`).
    pub fn single(
        object_type: &'static str,
        property: &'static str,
        value: impl Into<String>,
    ) -> Self {
        Observable {
            fields: vec![ObservableField {
                object_type,
                property,
                value: value.into(),
            }],
        }
    }

    /// The STIX 2.1 pattern misp-stix writes for it:
    /// `[file:name = 'a.exe' AND file:hashes.'SHA-256' = '…']`.
    pub fn to_stix_pattern(&self) -> String {
        let comparisons: Vec<String> = self
            .fields
            .iter()
            .map(|field| {
                let escaped = field.value.replace('\\', "\\\\").replace('\'', "\\'");
                format!("{}:{} = '{}'", field.object_type, field.property, escaped)
            })
            .collect();
        format!("[{}]", comparisons.join(" AND "))
    }

    /// The MISP attribute type and value for these comparisons (the reverse mapping): the first
    /// kind whose comparisons are exactly these, in any order, with matching fixed parts.
    pub fn to_misp(&self) -> Option<(&'static AttributeKind, String)> {
        if let [field] = self.fields.as_slice()
            && field.property == "value"
            && LONE_ADDRESS_TYPES.contains(&field.object_type)
        {
            return Some((
                AttributeKind::from_misp_type("ip-dst")?,
                field.value.clone(),
            ));
        }
        AttributeKind::all().find_map(|kind| self.as_kind(kind).map(|value| (kind, value)))
    }

    fn as_kind(&self, kind: &AttributeKind) -> Option<String> {
        if kind.fields.len() != self.fields.len() {
            return None;
        }
        let mut parts: [Option<&str>; 2] = [None, None];
        for spec in kind.fields {
            let field = self.fields.iter().find(|field| {
                field.object_type == spec.object_type && field.property == spec.property
            })?;
            match spec.source {
                Source::Part(index) => parts[index] = Some(&field.value),
                Source::Fixed(text) => {
                    if field.value != text {
                        return None;
                    }
                }
                Source::AddressTypeOf(_) => {
                    if !LONE_ADDRESS_TYPES.contains(&field.value.as_str()) {
                        return None;
                    }
                }
            }
        }
        match parts {
            [Some(left), Some(right)] => Some(format!("{left}|{right}")),
            [Some(only), None] => Some(only.to_owned()),
            _ => None,
        }
    }
}
