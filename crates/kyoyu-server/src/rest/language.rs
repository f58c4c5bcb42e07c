//! The language of rendered text: the `lang` query parameter, else the `Accept-Language`
//! header, else English.
//!
//! Key decision: an explicit `lang` always wins and a bad one is a 400 (the caller typed it);
//! `Accept-Language` is what a browser or client library sends on its own, so it is read
//! leniently — the highest q-value among Japanese and English decides (first listed on a tie),
//! `q=0` excludes a language, and a malformed entry or a header naming neither language falls
//! back to the default instead of refusing the request.

use axum::http::header::{self, HeaderMap};
use kyoyu_model::Lang;
use utoipa::IntoParams;

use super::ApiResult;
use crate::error::ApiError;

/// The language when the request names none the server speaks.
pub(super) const DEFAULT_LANG: Lang = Lang::En;

/// How the language was chosen: the text of the OpenAPI descriptions that take it.
pub(super) const NEGOTIATION: &str = "The language of the text: the `lang` query parameter \
    (`ja` or `en`) if given — it always wins; otherwise the `Accept-Language` header, read with \
    its q-values (the higher of `ja` and `en` is used, `q=0` excludes one); otherwise `en`. \
    言語: `lang` クエリパラメータ（`ja` または `en`）があればそれを優先し、なければ \
    `Accept-Language` ヘッダを q 値つきで読み（`ja` と `en` のうち q 値の高い方）、どちらも \
    なければ `en`。";

/// The `Accept-Language` header, as the OpenAPI document shows it (handlers read the headers
/// themselves, through [`negotiate`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[expect(
    dead_code,
    reason = "only its OpenAPI description is used; handlers read the header map"
)]
pub(super) struct AcceptLanguage {
    /// The reader's languages with q-values (`ja`, `en;q=0.8`); used when `lang` is not given.
    /// Languages other than Japanese and English are passed over; none of them gives `en`.
    #[param(rename = "Accept-Language")]
    accept_language: Option<String>,
}

/// The language of the response: `lang` if given (a value other than `ja` or `en` is a 400),
/// else the best of `Accept-Language`, else [`DEFAULT_LANG`].
pub(super) fn negotiate(lang: Option<&str>, headers: &HeaderMap) -> ApiResult<Lang> {
    if let Some(text) = lang {
        return Lang::from_locale(text).ok_or_else(|| {
            ApiError::bad_request(format!("`lang`: expected ja or en, found `{text}`"))
        });
    }
    let values = headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|value| value.to_str().ok());
    Ok(from_accept_language(values).unwrap_or(DEFAULT_LANG))
}

/// The preferred language of `Accept-Language` values (RFC 9110 §12.5.4) among those the
/// server speaks, or `None` when they name neither.
fn from_accept_language<'a>(values: impl Iterator<Item = &'a str>) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for entry in values.flat_map(|value| value.split(',')) {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let primary = tag.split('-').next().unwrap_or_default();
        let lang = if primary.eq_ignore_ascii_case("ja") {
            Lang::Ja
        } else if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            continue;
        };
        let mut weight = Some(1000);
        for parameter in parts {
            if let Some((name, value)) = parameter.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                weight = quality(value.trim());
            }
        }
        // A malformed q-value makes the entry unreadable: it is skipped, not guessed at.
        let Some(weight) = weight else { continue };
        if weight > 0 && best.is_none_or(|(best_weight, _)| weight > best_weight) {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A q-value (`0`, `0.5`, `1.000`: at most three decimals, at most 1) in thousandths.
fn quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |sum, digit| sum * 10 + u16::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(header: &str) -> Option<Lang> {
        from_accept_language(std::iter::once(header))
    }

    #[test]
    fn q_values_decide_between_japanese_and_english() {
        assert_eq!(pick("ja"), Some(Lang::Ja));
        assert_eq!(pick("ja-JP,ja;q=0.9,en;q=0.8"), Some(Lang::Ja));
        assert_eq!(pick("ja;q=0.1, en"), Some(Lang::En));
        assert_eq!(pick("fr, en-GB;q=0.5, ja;q=0.4"), Some(Lang::En));
        assert_eq!(pick("en;q=0.5, ja;q=0.5"), Some(Lang::En), "first on a tie");
        assert_eq!(pick("JA-jp"), Some(Lang::Ja));
    }

    #[test]
    fn other_languages_and_bad_entries_fall_back() {
        assert_eq!(pick("fr, de;q=0.9"), None);
        assert_eq!(pick("*"), None);
        assert_eq!(pick("ja;q=0"), None, "q=0 means not acceptable");
        assert_eq!(
            pick("ja;q=2, en;q=0.3"),
            Some(Lang::En),
            "q=2 is not a q-value"
        );
        assert_eq!(pick("ja;q=0.1234"), None);
        assert_eq!(pick("ja;q=abc"), None);
        assert_eq!(pick(""), None);
        assert_eq!(pick(";;;,,,=;q="), None);
        assert_eq!(pick("jav, enx"), None, "primary subtags are matched whole");
    }

    #[test]
    fn q_values_read_up_to_three_decimals() {
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("1.001"), None);
        assert_eq!(quality("0.5"), Some(500));
        assert_eq!(quality("0.05"), Some(50));
        assert_eq!(quality("0."), Some(0));
        assert_eq!(quality("0.-1"), None);
        assert_eq!(quality(".5"), None);
    }
}
