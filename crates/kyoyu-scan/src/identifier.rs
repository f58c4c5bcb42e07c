//! Identifier categories and the forms a match can be found in. The labels (`domain`,
//! `utf-16le`, `xor:0x5a`, …) are a public contract: callers print and serialize them.

use std::fmt;
use std::str::FromStr;

/// What kind of identifier of the organization this is (the identity profile's fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// The organization's name, in any script.
    Name,
    /// A domain the organization owns.
    Domain,
    /// The domain part of the organization's e-mail addresses.
    EmailDomain,
    /// An internal host name or host pattern (`*.corp.example.local` contributes its literal
    /// suffix).
    Hostname,
    /// An account name (user, service account, tenant id).
    Account,
    /// A person's name.
    Person,
    /// An IP range of the organization (matched as dotted quads inside the range).
    IpRange,
}

impl Category {
    /// All categories, in declaration order.
    pub const ALL: [Category; 7] = [
        Category::Name,
        Category::Domain,
        Category::EmailDomain,
        Category::Hostname,
        Category::Account,
        Category::Person,
        Category::IpRange,
    ];

    /// The label used in output and accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Name => "name",
            Category::Domain => "domain",
            Category::EmailDomain => "email_domain",
            Category::Hostname => "hostname",
            Category::Account => "account",
            Category::Person => "person",
            Category::IpRange => "ip_range",
        }
    }

    /// Whether identifiers of this category are DNS names (punycode and IDN forms apply).
    pub(crate) fn is_dns_name(self) -> bool {
        matches!(
            self,
            Category::Domain | Category::EmailDomain | Category::Hostname
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The label was not one of [`Category::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown identifier category {0:?} (expected one of name, domain, email_domain, hostname, account, person, ip_range)"
)]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(label: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|category| category.as_str() == label)
            .ok_or_else(|| UnknownCategory(label.to_owned()))
    }
}

/// The form (encoding or transformation) in which an identifier was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// ASCII bytes, ASCII case-insensitive.
    Ascii,
    /// UTF-8 bytes of an identifier with non-ASCII characters (as written, lower or upper case).
    Utf8,
    /// UTF-16 little endian.
    Utf16Le,
    /// UTF-16 big endian.
    Utf16Be,
    /// Shift_JIS (Windows-31J as `encoding_rs` encodes it).
    ShiftJis,
    /// EUC-JP.
    EucJp,
    /// Full-width Latin letters and digits (U+FF01..U+FF5E) in UTF-8, UTF-16LE, Shift_JIS or
    /// EUC-JP.
    Fullwidth,
    /// URL percent-encoding of the UTF-8 bytes (hex digits in either case).
    Percent,
    /// Base64 of the identifier at any of the three byte alignments (also of its UTF-16LE form,
    /// as PowerShell's `-EncodedCommand` uses).
    Base64,
    /// An internationalized domain name written in punycode (`xn--…`), or the Unicode form of an
    /// identifier given in punycode.
    Punycode,
    /// A dotted-quad IPv4 address (ASCII or UTF-16LE) inside one of the profile's ranges.
    Ipv4InRange,
    /// The ASCII form XOR-ed with a single byte key (deep mode only).
    Xor(u8),
}

impl Form {
    fn bit(self) -> u16 {
        1 << match self {
            Form::Ascii => 0,
            Form::Utf8 => 1,
            Form::Utf16Le => 2,
            Form::Utf16Be => 3,
            Form::ShiftJis => 4,
            Form::EucJp => 5,
            Form::Fullwidth => 6,
            Form::Percent => 7,
            Form::Base64 => 8,
            Form::Punycode => 9,
            Form::Ipv4InRange => 10,
            Form::Xor(_) => 11,
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Form::Ascii => f.write_str("ascii"),
            Form::Utf8 => f.write_str("utf-8"),
            Form::Utf16Le => f.write_str("utf-16le"),
            Form::Utf16Be => f.write_str("utf-16be"),
            Form::ShiftJis => f.write_str("shift_jis"),
            Form::EucJp => f.write_str("euc-jp"),
            Form::Fullwidth => f.write_str("fullwidth"),
            Form::Percent => f.write_str("percent"),
            Form::Base64 => f.write_str("base64"),
            Form::Punycode => f.write_str("punycode"),
            Form::Ipv4InRange => f.write_str("ipv4-in-range"),
            Form::Xor(key) => write!(f, "xor:0x{key:02x}"),
        }
    }
}

/// A set of [`Form`]s to compile (all by default). XOR forms are compiled only when deep mode
/// is on *and* the set contains them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormSet(u16);

impl FormSet {
    /// Every form.
    pub const ALL: FormSet = FormSet(u16::MAX);

    /// Exactly the given forms (any XOR key stands for all keys).
    pub fn only(forms: &[Form]) -> FormSet {
        FormSet(forms.iter().fold(0, |bits, form| bits | form.bit()))
    }

    /// Whether `form` is in the set.
    pub fn contains(self, form: Form) -> bool {
        self.0 & form.bit() != 0
    }
}

impl Default for FormSet {
    fn default() -> Self {
        FormSet::ALL
    }
}
