//! Single values of the file, validated while serde reads them.
//!
//! Key decision: every value with a vocabulary or a syntax (TLP, item kind, CVE, timestamp, IP
//! range…) is checked by the model's own constructor *inside* the deserializer, through
//! [`Checked<T>`] and [`WireTimestamp`], never after it: then the TOML and JSON deserializers put
//! the value's line and column on the error, and serde's path tracking names the field.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use kyoyu_model::timeline::parse_timestamp;
use kyoyu_model::{
    AttackTechnique, Channel, CommunityKind, Cve, EventKind, HostnamePattern, InvalidValue,
    IocType, ItemId, ItemKind, Jurisdiction, PersonalData, Resolution, RiskLevel, Role, Sector,
    Timestamp, Tlp, WrittenIocType,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A model value that can be read from one string of the file.
pub(crate) trait FromText: Sized {
    /// What serde says was expected when the value is not even a string.
    const EXPECTING: &'static str;
    /// Validates the text.
    fn from_text(text: &str) -> Result<Self, InvalidValue>;
}

/// A value validated during deserialization.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked<T>(pub T);

impl<'de, T: FromText> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CheckedVisitor<T>(PhantomData<T>);

        impl<T: FromText> Visitor<'_> for CheckedVisitor<T> {
            type Value = Checked<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(T::EXPECTING)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                T::from_text(text)
                    .map(Checked)
                    .map_err(|invalid| E::custom(crate::humane::carry(&invalid.0)))
            }
        }

        deserializer.deserialize_str(CheckedVisitor(PhantomData))
    }
}

/// Implements [`FromText`] through the type's `FromStr`.
macro_rules! from_str_text {
    ($($model:ty => $expecting:literal),* $(,)?) => {$(
        impl FromText for $model {
            const EXPECTING: &'static str = $expecting;
            fn from_text(text: &str) -> Result<Self, InvalidValue> {
                <$model as FromStr>::from_str(text)
            }
        }
    )*};
}

/// Implements [`FromText`] through the type's `parse` constructor.
macro_rules! parse_text {
    ($($model:ty => $expecting:literal),* $(,)?) => {$(
        impl FromText for $model {
            const EXPECTING: &'static str = $expecting;
            fn from_text(text: &str) -> Result<Self, InvalidValue> {
                <$model>::parse(text)
            }
        }
    )*};
}

from_str_text! {
    Tlp => "a TLP 2.0 label (clear, green, amber, amber+strict, red)",
    ItemKind => "an item kind such as ioc or damage",
    EventKind => "a timeline event such as discovery",
    Jurisdiction => "a jurisdiction code (JP, EU, US)",
    PersonalData => "one of none, suspected, confirmed",
    RiskLevel => "one of none, risk, high_risk",
    Role => "controller or processor",
    CommunityKind => "hub or isac",
    Channel => "one of share, expert_alert, publication",
    Resolution => "one of approve, hash_only, redact, reject",
}

parse_text! {
    ItemId => "an item id (a string without blanks)",
    IocType => "an IoC type such as domain-name or file",
    WrittenIocType => "an IoC type such as domain-name, file or sha256",
    Cve => "a CVE id such as CVE-2026-12345",
    AttackTechnique => "a MITRE ATT&CK technique id such as T1190",
    Sector => "a sector name such as manufacturing",
    HostnamePattern => "a host-name pattern such as *.corp.example",
}

/// A string that is not empty or blank: an empty `text = ""` is almost always a slip, and an
/// empty id or path would only fail later and further from the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NonBlank(pub String);

impl FromText for NonBlank {
    const EXPECTING: &'static str = "a non-empty string";

    fn from_text(text: &str) -> Result<Self, InvalidValue> {
        if text.trim().is_empty() {
            Err(InvalidValue::new(
                "値が空です。値を書くか、この項目ごと削除してください",
                "the value is empty; write it, or leave the field out",
            ))
        } else {
            Ok(NonBlank(text.to_owned()))
        }
    }
}

/// An incident's id: it names the incident in paths and URLs (`/api/incidents/{id}`), so it is
/// validated like every other identifier — 1 to 128 characters, printable, no blanks — and may
/// not be `.` or `..` or hold a path or URL delimiter (`/`, `\`, `?`, `#`, `%`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IncidentId(pub String);

impl FromText for IncidentId {
    const EXPECTING: &'static str = "an incident id";

    fn from_text(text: &str) -> Result<Self, InvalidValue> {
        let printable = !text
            .chars()
            .any(|character| character.is_whitespace() || character.is_control());
        let delimiters = text.contains(['/', '\\', '?', '#', '%']);
        if text.is_empty()
            || text.chars().count() > 128
            || !printable
            || delimiters
            || text == "."
            || text == ".."
        {
            let shown: String = text.chars().take(40).collect();
            let more = if text.chars().count() > 40 { "…" } else { "" };
            return Err(InvalidValue::new(
                format!(
                    "`{}{more}` はインシデントの id として使えません。空白を含まない 1〜128 文字の印字可能な文字で、`.` や `..` ではなく、`/`、`\\`、`?`、`#`、`%` を含まないものにしてください",
                    shown.escape_debug()
                ),
                format!(
                    "`{}{more}` is not an incident id; expected 1 to 128 printable characters without blanks, not `.` or `..`, without `/`, `\\`, `?`, `#` or `%`",
                    shown.escape_debug()
                ),
            ));
        }
        Ok(IncidentId(text.to_owned()))
    }
}

/// An IP range in CIDR notation; a single address is taken as a range of one (`/32`, `/128`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IpRange(pub ipnet::IpNet);

impl FromText for IpRange {
    const EXPECTING: &'static str = "an IP range such as 198.51.100.0/24";

    fn from_text(text: &str) -> Result<Self, InvalidValue> {
        let trimmed = text.trim();
        if let Ok(range) = trimmed.parse::<ipnet::IpNet>() {
            return Ok(IpRange(range));
        }
        if let Ok(address) = trimmed.parse::<std::net::IpAddr>() {
            return Ok(IpRange(ipnet::IpNet::from(address)));
        }
        Err(InvalidValue::new(
            format!(
                "`{text}` は IP アドレスの範囲として読めません。198.51.100.0/24 や 2001:db8::/32 のような CIDR 表記で書いてください"
            ),
            format!(
                "`{text}` is not an IP range; expected CIDR notation such as 198.51.100.0/24 or 2001:db8::/32"
            ),
        ))
    }
}

/// A timestamp: an RFC 3339 string with an offset, or a TOML offset date-time written bare
/// (`at = 2026-11-02T09:30:00+09:00`). Local date-times, dates and times are refused: an incident
/// spans time zones, and a deadline computed from a guessed offset can be hours wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WireTimestamp(pub Timestamp);

const TIMESTAMP_EXAMPLE: &str = "2026-11-02T09:30:00+09:00";

impl<'de> Deserialize<'de> for WireTimestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl<'de> Visitor<'de> for TimestampVisitor {
            type Value = WireTimestamp;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    formatter,
                    "an RFC 3339 timestamp with an offset, such as {TIMESTAMP_EXAMPLE}"
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                timestamp_from_text(text)
                    .map_err(|invalid| E::custom(crate::humane::carry(&invalid.0)))
            }

            // TOML's native date-times reach serde as a one-entry map; the toml crate's own
            // `Datetime` knows how to read it, and tells us which parts were written.
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
                let datetime =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))
                        .map_err(|_| de::Error::invalid_type(de::Unexpected::Map, &self))?;
                if datetime.date.is_none() || datetime.time.is_none() {
                    return Err(de::Error::custom(crate::humane::carry(
                        &kyoyu_model::Localized::new(
                            format!(
                                "`{datetime}` は完全な時刻ではありません。{TIMESTAMP_EXAMPLE} のように、日付・時刻・時差を書いてください"
                            ),
                            format!(
                                "`{datetime}` is not a full timestamp; expected a date, a time and an offset, such as {TIMESTAMP_EXAMPLE}"
                            ),
                        ),
                    )));
                }
                if datetime.offset.is_none() {
                    return Err(de::Error::custom(crate::humane::carry(&no_offset(
                        &datetime.to_string(),
                    ))));
                }
                timestamp_from_text(&datetime.to_string())
                    .map_err(|invalid| de::Error::custom(crate::humane::carry(&invalid.0)))
            }
        }

        deserializer.deserialize_any(TimestampVisitor)
    }
}

fn timestamp_from_text(text: &str) -> Result<WireTimestamp, InvalidValue> {
    parse_timestamp(text).map(WireTimestamp).map_err(|invalid| {
        let local = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ]
        .iter()
        .any(|format| chrono::NaiveDateTime::parse_from_str(text.trim(), format).is_ok());
        if local {
            InvalidValue(no_offset(text))
        } else {
            invalid
        }
    })
}

fn no_offset(text: &str) -> kyoyu_model::Localized {
    kyoyu_model::Localized::new(
        format!(
            "`{text}` には時差（UTC からのずれ）がありません。{TIMESTAMP_EXAMPLE} のように、観測した場所の時差を書いてください（UTC なら Z）"
        ),
        format!(
            "`{text}` has no UTC offset; write the offset it was observed in, such as {TIMESTAMP_EXAMPLE} (or Z for UTC)"
        ),
    )
}

/// The id of a legal obligation of the built-in rule set, named by a `reported` event. A
/// misspelt id would leave the obligation open while the responder believes it is done, so it is
/// an error with the closest id, and a non-legal recipient (`police`) points at `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObligationId(pub String);

impl FromText for ObligationId {
    const EXPECTING: &'static str = "an obligation id such as JP-APPI-PRELIM";

    fn from_text(text: &str) -> Result<Self, InvalidValue> {
        let rules = kyoyu_obligations::RuleSet::builtin().rules();
        if rules.iter().any(|rule| rule.id == text) {
            return Ok(ObligationId(text.to_owned()));
        }
        let ids: Vec<&str> = rules.iter().map(|rule| rule.id.as_str()).collect();
        let recipient = kyoyu_model::timeline::REPORT_RECIPIENTS
            .iter()
            .find(|recipient| recipient.eq_ignore_ascii_case(text.trim()));
        if let Some(recipient) = recipient {
            return Err(InvalidValue::new(
                format!(
                    "`{text}` は法令上の義務の id ではありません。法令上の義務でない報告・相談は `obligation` の代わりに `to = \"{recipient}\"` と書いてください"
                ),
                format!(
                    "`{text}` is not a legal obligation id; record a report or consultation that is not a legal duty with `to = \"{recipient}\"` instead of `obligation`"
                ),
            ));
        }
        let upper = text.to_ascii_uppercase();
        let hint_ja = kyoyu_model::suggest::hint_ja(&upper, ids.iter().copied());
        let hint_en = kyoyu_model::suggest::hint_en(&upper, ids.iter().copied());
        if hint_en.is_empty() {
            Err(InvalidValue::new(
                format!(
                    "`{text}` は既知の義務の id ではありません。既知の id: {}",
                    ids.join(", ")
                ),
                format!(
                    "`{text}` is not a known obligation id; known ids: {}",
                    ids.join(", ")
                ),
            ))
        } else {
            Err(InvalidValue::new(
                format!(
                    "`{text}` は既知の義務の id ではありません{hint_ja}。一覧は `kyoyu rules` で確認できます"
                ),
                format!("`{text}` is not a known obligation id{hint_en}; `kyoyu rules` lists them"),
            ))
        }
    }
}

/// Whom a `reported` event that is not a legal duty went to: one of
/// [`kyoyu_model::timeline::REPORT_RECIPIENTS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipient(pub String);

impl FromText for Recipient {
    const EXPECTING: &'static str = "a recipient such as police or insurer";

    fn from_text(text: &str) -> Result<Self, InvalidValue> {
        let known = kyoyu_model::timeline::REPORT_RECIPIENTS;
        if known.contains(&text) {
            return Ok(Recipient(text.to_owned()));
        }
        Err(InvalidValue::new(
            format!(
                "`{text}` は報告・相談の相手として知られていません{}。次のいずれかを書いてください: {}",
                kyoyu_model::suggest::hint_ja(text, known),
                known.join(", ")
            ),
            format!(
                "`{text}` is not a known recipient{}; expected one of {}",
                kyoyu_model::suggest::hint_en(text, known),
                known.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct At {
        at: WireTimestamp,
    }

    fn toml_at(text: &str) -> Result<Timestamp, String> {
        toml::from_str::<At>(text)
            .map(|at| at.at.0)
            .map_err(|error| crate::humane::english(error.message()))
    }

    #[test]
    fn timestamps_need_an_offset_in_every_spelling() {
        let expected = parse_timestamp(TIMESTAMP_EXAMPLE).expect("valid");
        assert_eq!(toml_at("at = 2026-11-02T09:30:00+09:00"), Ok(expected));
        assert_eq!(toml_at("at = 2026-11-02 09:30:00+09:00"), Ok(expected));
        assert_eq!(toml_at("at = \"2026-11-02T09:30:00+09:00\""), Ok(expected));
        for (text, expected) in [
            ("at = 2026-11-02T09:30:00", "has no UTC offset"),
            ("at = \"2026-11-02T09:30:00\"", "has no UTC offset"),
            ("at = 2026-11-02", "is not a full timestamp"),
            ("at = \"yesterday\"", "is not an RFC 3339 timestamp"),
            ("at = 5", "expected an RFC 3339 timestamp"),
        ] {
            let message = toml_at(text).expect_err(text);
            assert!(message.contains(expected), "{text}: {message}");
        }
        let json: Result<At, _> = serde_json::from_str(r#"{"at": {"a": 1}}"#);
        assert!(json.is_err());
    }

    #[test]
    fn ip_ranges_accept_single_addresses() {
        assert_eq!(
            IpRange::from_text("198.51.100.7").map(|range| range.0.to_string()),
            Ok("198.51.100.7/32".to_owned())
        );
        assert!(IpRange::from_text("198.51.100.0/33").is_err());
    }
}
