//! The body of `POST /api/incidents`: the incident file in JSON (the default) or in TOML, chosen
//! by `Content-Type`, turned into the JSON form the store keeps.
//!
//! Key decision: a TOML body is checked by `kyoyu_incident::parse` with `Format::Toml` on its own
//! text *before* it is converted, so its errors name the line and field of what the person
//! wrote, exactly as `kyoyu assess` would; only a body that parses is converted (native TOML
//! date-times become RFC 3339 strings) and then goes through the same use case as JSON. A
//! content type the endpoint does not read is a 415 that names the ones it does, never a guess.

use axum::http::header::{self, HeaderMap};
use kyoyu_incident::Format;

use super::{ApiResult, json_body};
use crate::error::ApiError;

/// The name errors give the body (`request body:LINE:COLUMN: FIELD: …`).
const BODY: &str = "request body";

/// The media types read as TOML.
const TOML_TYPES: [&str; 3] = ["application/toml", "text/toml", "text/x-toml"];

/// How deep a TOML body may nest tables and arrays; the incident file needs four levels
/// (`items[0]` is two), and the conversion recurses once per level.
const MAX_DEPTH: usize = 32;

/// The incident document of a request body, in the format its `Content-Type` names.
pub(super) fn incident_document(
    headers: &HeaderMap,
    body: &[u8],
    lang: kyoyu_model::Lang,
) -> ApiResult<serde_json::Value> {
    match format(headers)? {
        Format::Json => json_body(body),
        Format::Toml => toml_document(body, lang),
    }
}

/// The format named by `Content-Type`: none or `application/json` is JSON, the TOML types TOML.
fn format(headers: &HeaderMap) -> ApiResult<Format> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Format::Json);
    };
    let text = value.to_str().unwrap_or_default();
    let media = text.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(Format::Json)
    } else if TOML_TYPES
        .iter()
        .any(|toml| media.eq_ignore_ascii_case(toml))
    {
        Ok(Format::Toml)
    } else {
        Err(ApiError::unsupported_media_type(format!(
            "the incident file is sent as `Content-Type: application/json` (the default) or as TOML \
             (`application/toml`, `text/toml` or `text/x-toml`); found `{}`",
            text.chars().take(100).collect::<String>()
        )))
    }
}

/// A TOML incident file as the JSON form, after `kyoyu_incident` has checked it.
fn toml_document(body: &[u8], lang: kyoyu_model::Lang) -> ApiResult<serde_json::Value> {
    let text = std::str::from_utf8(body).map_err(|error| {
        ApiError::bad_request(format!(
            "the body is not UTF-8 text (TOML is UTF-8): invalid byte at offset {}",
            error.valid_up_to()
        ))
    })?;
    let table = match text.parse::<toml::Table>() {
        Ok(table) => table,
        // Not TOML at all: a 400, in the words and with the line `kyoyu assess` gives.
        Err(error) => {
            let message = match kyoyu_incident::parse(text, Format::Toml, BODY) {
                Err(parse_error) => parse_error.render(lang),
                Ok(_) => format!("{BODY}: {}", error.message()),
            };
            return Err(ApiError::bad_request(message));
        }
    };
    if let Err(error) = kyoyu_incident::parse(text, Format::Toml, BODY) {
        // The id names the incident in every later URL: a bad one is a 400, as for JSON.
        return Err(if error.field.as_deref() == Some("incident.id") {
            ApiError::bad_request(error.render(lang))
        } else {
            ApiError::unprocessable(error.render(lang))
        });
    }
    table_to_json(table, 0)
}

fn table_to_json(table: toml::Table, depth: usize) -> ApiResult<serde_json::Value> {
    table
        .into_iter()
        .map(|(key, value)| Ok((key, to_json(value, depth + 1)?)))
        .collect::<ApiResult<serde_json::Map<_, _>>>()
        .map(serde_json::Value::Object)
}

fn to_json(value: toml::Value, depth: usize) -> ApiResult<serde_json::Value> {
    use serde_json::Value as Json;
    if depth > MAX_DEPTH {
        return Err(ApiError::unprocessable(format!(
            "{BODY}: tables and arrays nest more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(match value {
        toml::Value::String(text) => Json::String(text),
        toml::Value::Integer(number) => Json::from(number),
        toml::Value::Float(number) => serde_json::Number::from_f64(number)
            .map(Json::Number)
            .ok_or_else(|| {
                ApiError::unprocessable(format!("{BODY}: `{number}` is not a finite number"))
            })?,
        toml::Value::Boolean(flag) => Json::Bool(flag),
        // The parse above refused date-times without an offset; the rest print as RFC 3339.
        toml::Value::Datetime(datetime) => Json::String(datetime.to_string()),
        toml::Value::Array(values) => Json::Array(
            values
                .into_iter()
                .map(|value| to_json(value, depth + 1))
                .collect::<ApiResult<_>>()?,
        ),
        toml::Value::Table(table) => table_to_json(table, depth)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_type(media: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(media).expect("header"),
        );
        headers
    }

    #[test]
    fn the_content_type_names_the_format() {
        assert_eq!(format(&HeaderMap::new()).ok(), Some(Format::Json));
        assert_eq!(
            format(&with_type("application/json; charset=utf-8")).ok(),
            Some(Format::Json)
        );
        for toml in [
            "application/toml",
            "text/x-toml",
            "Text/TOML; charset=utf-8",
        ] {
            assert_eq!(format(&with_type(toml)).ok(), Some(Format::Toml), "{toml}");
        }
        let refused = format(&with_type("application/x-www-form-urlencoded")).expect_err("415");
        assert_eq!(refused.status.as_u16(), 415);
        assert!(
            refused
                .description
                .is_some_and(|text| text.contains("application/toml")),
            "the error names what is read"
        );
    }

    #[test]
    fn native_date_times_become_rfc_3339_strings() {
        let text = "[incident]\nid = \"I-1\"\njurisdictions = [\"JP\"]\n\n[[timeline]]\nevent = \"discovery\"\nat = 2026-11-16T08:30:00+09:00\n";
        let document = toml_document(text.as_bytes(), kyoyu_model::Lang::En).expect("converts");
        assert_eq!(
            document["timeline"][0]["at"],
            serde_json::json!("2026-11-16T08:30:00+09:00")
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_far() {
        let deep = format!("x = {}{}", "[".repeat(5000), "]".repeat(5000));
        let error = toml_document(deep.as_bytes(), kyoyu_model::Lang::En).expect_err("refused");
        assert_eq!(error.status.as_u16(), 400, "{:?}", error.description);
        let nested = format!("x = {}1{}", "[".repeat(40), "]".repeat(40));
        let error = toml_document(nested.as_bytes(), kyoyu_model::Lang::En).expect_err("refused");
        assert!(error.status.is_client_error(), "{:?}", error.description);
    }
}
