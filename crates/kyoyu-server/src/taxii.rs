//! TAXII 2.1 (OASIS, `taxii-v2.1-os`): discovery, one API root, a collection per community,
//! objects with paging and filters, object by id, versions, manifest, status resources, delete.
//!
//! Key decisions:
//! - What a reader receives is decided object by object by the egress gate
//!   ([`kyoyu_core::egress::may_deliver`]: the reader's standing in the community *and* the
//!   object's TLP) — the collection alone never decides.
//! - Paging is by the store's sequence number: `next` is the last sequence number the page looked
//!   at, so a page costs an index range scan whatever the collection's size, cursors never expire
//!   and need no server memory, and a forged cursor yields nothing the gate would not deliver.
//! - Stored objects are sent as the JSON text they arrived in, spliced into the envelope, never
//!   re-serialized.
//! - A POST is written in one store transaction with its status resource, so a status that says
//!   `complete` means every success is on disk; nothing is ever `pending`.

use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use kyoyu_core::usecase::collections::{self as usecase, Delivered};
use kyoyu_core::usecase::{Action, UseCaseError, allowed};
use kyoyu_store::{
    CommunityRecord, ObjectQuery, Standing, StatusRecord, StoredObject, VersionMatch,
};
use serde_json::json;
use std::sync::atomic::Ordering;

use crate::auth::Principal;
use crate::error::{ApiError, TAXII_MEDIA_TYPE};
use crate::routes::Routes;
use crate::state::AppState;

/// The name of the one API root.
pub const API_ROOT: &str = "kyoyu";
/// The media type of STIX objects in collections.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

type TaxiiResult = Result<Response, ApiError>;

/// The TAXII routes (full paths under `/taxii2/`; TAXII URLs end with a slash).
pub fn routes(routes: Routes) -> Routes {
    use Action::*;
    const OBJECTS: &str = "/taxii2/{root}/collections/{collection}/objects/";
    const OBJECT: &str = "/taxii2/{root}/collections/{collection}/objects/{object}/";
    routes
        .get("/taxii2/", TaxiiDiscover, discovery)
        .get("/taxii2/{root}/", TaxiiDiscover, api_root)
        .get("/taxii2/{root}/status/{id}/", TaxiiDiscover, status)
        .get("/taxii2/{root}/collections/", TaxiiDiscover, collections)
        .get(
            "/taxii2/{root}/collections/{collection}/",
            TaxiiDiscover,
            collection,
        )
        .get(OBJECTS, ReadObjects, get_objects)
        .post(OBJECTS, AddObjects, add_objects)
        .get(OBJECT, ReadObjects, get_object)
        .delete(OBJECT, DeleteObjects, delete_object)
        .get(
            "/taxii2/{root}/collections/{collection}/objects/{object}/versions/",
            ReadObjects,
            versions,
        )
        .get(
            "/taxii2/{root}/collections/{collection}/manifest/",
            ReadObjects,
            manifest,
        )
}

fn taxii_json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    response
}

/// Checks `Accept`: absent, a wildcard, or the TAXII 2.1 media type.
fn check_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::not_acceptable("the Accept header is not ASCII").taxii())?;
    let acceptable = value.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let version_ok = parts
            .filter_map(|p| p.split_once('='))
            .all(|(k, v)| !k.eq_ignore_ascii_case("version") || v.trim_matches('"') == "2.1");
        match media.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version_ok,
            _ => false,
        }
    });
    if acceptable {
        Ok(())
    } else {
        Err(ApiError::not_acceptable(format!(
            "this server answers `{TAXII_MEDIA_TYPE}`, the request accepts `{value}`"
        ))
        .taxii())
    }
}

fn check_root(root: &str) -> Result<(), ApiError> {
    if root == API_ROOT {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "no API root `{root}`; the API root is `{API_ROOT}`"
        ))
        .taxii())
    }
}

fn may_read(principal: &Principal) -> bool {
    allowed(Action::ReadObjects, principal.role)
}

fn may_write(principal: &Principal) -> bool {
    allowed(Action::AddObjects, principal.role)
}

/// A use case's error as a TAXII error body.
fn taxii_error(error: UseCaseError) -> ApiError {
    ApiError::from(error).taxii()
}

async fn discovery(
    State(state): State<AppState>,
    _principal: Principal,
    headers: HeaderMap,
) -> TaxiiResult {
    check_accept(&headers)?;
    // The configured address, never the request's `Host` header (a client could make the
    // server name any host to other readers of a cached answer).
    let root = format!("{}/taxii2/{API_ROOT}/", state.settings.base_url());
    let body = json!({
        "title": state.settings.title,
        "description": "kyoyu: sharing of cyber attack damage information (TAXII 2.1) / 被害情報共有",
        "default": root,
        "api_roots": [root],
    });
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

async fn api_root(
    State(state): State<AppState>,
    _principal: Principal,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    let body = json!({
        "title": format!("{} — communities", state.settings.title),
        "description": "One collection per community; what a member reads is decided object by object by TLP and membership.",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": state.settings.max_body_bytes,
    });
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

fn collection_json(record: &CommunityRecord, principal: &Principal) -> serde_json::Value {
    json!({
        "id": record.id,
        "title": record.title,
        "description": record.description,
        "can_read": may_read(principal),
        "can_write": may_write(principal),
        "media_types": [STIX_MEDIA_TYPE],
    })
}

async fn collections(
    State(state): State<AppState>,
    principal: Principal,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    let communities = usecase::list(state.store.as_ref(), &principal)
        .await
        .map_err(taxii_error)?;
    let list: Vec<_> = communities
        .iter()
        .map(|(record, _)| collection_json(record, &principal))
        .collect();
    let body = if list.is_empty() {
        json!({})
    } else {
        json!({ "collections": list })
    };
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

/// The community behind a collection id, if the caller owns it or belongs to it.
async fn find_collection(
    state: &AppState,
    principal: &Principal,
    root: &str,
    id: &str,
) -> Result<(CommunityRecord, Standing), ApiError> {
    check_root(root)?;
    usecase::find(state.store.as_ref(), principal, id)
        .await
        .map_err(taxii_error)
}

async fn collection(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_accept(&headers)?;
    let (record, _) = find_collection(&state, &principal, &root, &id).await?;
    Ok(taxii_json(
        StatusCode::OK,
        collection_json(&record, &principal).to_string(),
    ))
}

/// The URL parameters of the object endpoints, as pairs (TAXII's `match[…]` keys).
type Params = Query<Vec<(String, String)>>;

/// A request's filters and paging, parsed.
struct Filter {
    query: ObjectQuery,
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Encodes a paging cursor.
fn encode_next(seq: i64) -> String {
    format!("{seq:x}")
}

/// A paging token exactly as [`encode_next`] writes it (lower-case hex, no sign, no leading
/// zeros), or a 400.
fn decode_next(text: &str) -> Result<i64, ApiError> {
    (!text.is_empty() && text.len() <= 16)
        .then(|| i64::from_str_radix(text, 16).ok())
        .flatten()
        .filter(|seq| *seq >= 0 && encode_next(*seq) == text)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "`next`: `{text}` is not a paging token this server gave"
            ))
            .taxii()
        })
}

fn parse_time(name: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "`{name}`: `{text}` is not a timestamp (RFC 3339, e.g. 2026-11-01T00:00:00.000Z)"
            ))
            .taxii()
        })
}

/// The page sizes a filter is bounded by (from the settings).
#[derive(Debug, Clone, Copy)]
struct Paging {
    page_size: usize,
    max_page_size: usize,
}

impl Paging {
    fn of(state: &AppState) -> Paging {
        Paging {
            page_size: state.settings.page_size,
            max_page_size: state.settings.max_page_size,
        }
    }
}

fn parse_filter(
    paging: Paging,
    params: &[(String, String)],
    allowed: &[&str],
    default_versions: VersionMatch,
) -> Result<Filter, ApiError> {
    let mut query = ObjectQuery {
        versions: default_versions,
        limit: paging.page_size,
        ..ObjectQuery::default()
    };
    for (key, value) in params {
        if !allowed.contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown URL parameter `{key}` here; this endpoint takes {}",
                allowed.join(", ")
            ))
            .taxii());
        }
        match key.as_str() {
            "limit" => {
                let limit: usize = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "`limit`: expected a positive whole number, found `{value}`"
                    ))
                    .taxii()
                })?;
                query.limit = limit.min(paging.max_page_size);
            }
            "next" => query.after_seq = Some(decode_next(value)?),
            "added_after" => query.added_after = Some(parse_time("added_after", value)?),
            "match[id]" => query.ids.extend(list(value)),
            "match[type]" => query.types.extend(list(value)),
            "match[spec_version]" => query.spec_versions.extend(list(value)),
            "match[version]" => {
                let wanted = list(value);
                query.versions = if wanted.iter().any(|v| v == "all") {
                    VersionMatch::All
                } else if wanted.len() == 1 && wanted[0] == "last" {
                    VersionMatch::Last
                } else if wanted.len() == 1 && wanted[0] == "first" {
                    VersionMatch::First
                } else {
                    for version in &wanted {
                        if version != "first" && version != "last" {
                            parse_time("match[version]", version)?;
                        }
                    }
                    if wanted.iter().any(|v| v == "first" || v == "last") {
                        // Mixing keywords with exact versions: the union would need two
                        // queries; say so rather than answer half.
                        return Err(ApiError::bad_request(
                            "`match[version]`: give `first`, `last`, `all` or exact versions, not a mix",
                        )
                        .taxii());
                    }
                    VersionMatch::Exact(wanted)
                };
            }
            _ => {}
        }
    }
    Ok(Filter { query })
}

async fn deliver(
    state: &AppState,
    principal: &Principal,
    collection: &str,
    query: ObjectQuery,
) -> Result<Delivered, ApiError> {
    let delivered = usecase::deliver(state.store.as_ref(), principal, collection, query)
        .await
        .map_err(taxii_error)?;
    state
        .metrics
        .objects_refused
        .fetch_add(delivered.refused as u64, Ordering::Relaxed);
    Ok(delivered)
}

fn time_text(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn envelope_headers(response: &mut Response, objects: &[StoredObject]) {
    if let (Some(first), Some(last)) = (objects.first(), objects.last()) {
        for (name, at) in [
            ("x-taxii-date-added-first", &first.date_added),
            ("x-taxii-date-added-last", &last.date_added),
        ] {
            if let Ok(value) = HeaderValue::from_str(&time_text(at)) {
                response.headers_mut().insert(name, value);
            }
        }
    }
}

/// The envelope, with the stored JSON texts spliced in.
fn envelope(delivered: &Delivered, key: &str, item: impl Fn(&StoredObject, &mut String)) -> String {
    let mut body = String::with_capacity(
        64 + delivered
            .objects
            .iter()
            .map(|o| o.json.len() + 1)
            .sum::<usize>(),
    );
    body.push_str("{\"more\":");
    body.push_str(if delivered.next.is_some() {
        "true"
    } else {
        "false"
    });
    if let Some(next) = delivered.next {
        body.push_str(",\"next\":\"");
        body.push_str(&encode_next(next));
        body.push('"');
    }
    if !delivered.objects.is_empty() {
        body.push_str(",\"");
        body.push_str(key);
        body.push_str("\":[");
        for (i, object) in delivered.objects.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            item(object, &mut body);
        }
        body.push(']');
    }
    body.push('}');
    body
}

const OBJECT_PARAMS: &[&str] = &[
    "limit",
    "next",
    "added_after",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
];

/// The checks before reading a collection's objects that need no store call: `Accept`, the API
/// root, and the role (executives are refused before anything is read). Whether the reader
/// owns or belongs to the collection is checked by the read itself ([`deliver`]).
fn read_collection(principal: &Principal, root: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    check_accept(headers)?;
    check_root(root)?;
    if !may_read(principal) {
        return Err(ApiError::forbidden(format!(
            "the role `{}` does not read collections",
            principal.role.as_str()
        ))
        .taxii());
    }
    Ok(())
}

async fn get_objects(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> TaxiiResult {
    read_collection(&principal, &root, &headers)?;
    let filter = parse_filter(
        Paging::of(&state),
        &params,
        OBJECT_PARAMS,
        VersionMatch::Last,
    )?;
    let delivered = deliver(&state, &principal, &id, filter.query).await?;
    Ok(objects_response(&state, &delivered))
}

/// The envelope of delivered objects, counted in the metrics.
fn objects_response(state: &AppState, delivered: &Delivered) -> Response {
    state
        .metrics
        .objects_delivered
        .fetch_add(delivered.objects.len() as u64, Ordering::Relaxed);
    let body = envelope(delivered, "objects", |o, body| body.push_str(&o.json));
    let mut response = taxii_json(StatusCode::OK, body);
    envelope_headers(&mut response, &delivered.objects);
    response
}

async fn get_object(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id, object)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> TaxiiResult {
    read_collection(&principal, &root, &headers)?;
    let allowed = [
        "limit",
        "next",
        "added_after",
        "match[version]",
        "match[spec_version]",
    ];
    let mut filter = parse_filter(Paging::of(&state), &params, &allowed, VersionMatch::Last)?;
    filter.query.ids = vec![object.clone()];
    let delivered = deliver(&state, &principal, &id, filter.query).await?;
    if delivered.objects.is_empty() && delivered.next.is_none() {
        return Err(
            ApiError::not_found(format!("no object `{object}` in collection `{id}`")).taxii(),
        );
    }
    Ok(objects_response(&state, &delivered))
}

async fn versions(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id, object)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> TaxiiResult {
    read_collection(&principal, &root, &headers)?;
    let allowed = ["limit", "next", "added_after", "match[spec_version]"];
    let mut filter = parse_filter(Paging::of(&state), &params, &allowed, VersionMatch::All)?;
    filter.query.ids = vec![object.clone()];
    let delivered = deliver(&state, &principal, &id, filter.query).await?;
    if delivered.objects.is_empty() && delivered.next.is_none() {
        return Err(
            ApiError::not_found(format!("no object `{object}` in collection `{id}`")).taxii(),
        );
    }
    let body = envelope(&delivered, "versions", |o, body| {
        body.push_str(&serde_json::to_string(&o.version).unwrap_or_default());
    });
    let mut response = taxii_json(StatusCode::OK, body);
    envelope_headers(&mut response, &delivered.objects);
    Ok(response)
}

async fn manifest(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> TaxiiResult {
    read_collection(&principal, &root, &headers)?;
    let filter = parse_filter(
        Paging::of(&state),
        &params,
        OBJECT_PARAMS,
        VersionMatch::Last,
    )?;
    let delivered = deliver(&state, &principal, &id, filter.query).await?;
    let body = envelope(&delivered, "objects", |o, body| {
        let record = json!({
            "id": o.id,
            "date_added": time_text(&o.date_added),
            "version": o.version,
            "media_type": STIX_MEDIA_TYPE,
        })
        .to_string();
        body.push_str(&record)
    });
    let mut response = taxii_json(StatusCode::OK, body);
    envelope_headers(&mut response, &delivered.objects);
    Ok(response)
}

async fn delete_object(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id, object)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    let allowed = ["match[version]", "match[spec_version]"];
    let filter = parse_filter(Paging::of(&state), &params, &allowed, VersionMatch::All)?;
    usecase::delete(
        state.store.as_ref(),
        &principal,
        &id,
        &object,
        &filter.query.versions,
    )
    .await
    .map_err(taxii_error)?;
    Ok(taxii_json(StatusCode::OK, String::new()))
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    let version = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("version"))
        .map(|(_, v)| v.trim_matches('"'));
    if media.eq_ignore_ascii_case("application/taxii+json") && matches!(version, None | Some("2.1"))
    {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(format!(
            "POST objects takes `Content-Type: {TAXII_MEDIA_TYPE}`, found `{value}`"
        ))
        .taxii())
    }
}

/// How many failures a status lists by id; `failure_count` still counts them all.
pub const LISTED_FAILURES: usize = 100;

/// The message that stops an envelope with too many objects (told apart from a JSON error).
const TOO_MANY: &str = "kyoyu: too many objects";

/// The `objects` of a TAXII envelope, read without copying them and refused as soon as there
/// are more than `limit`: a small body of a million empty objects costs nothing to turn away.
struct EnvelopeSeed {
    limit: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for EnvelopeSeed {
    type Value = Vec<&'de serde_json::value::RawValue>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for EnvelopeSeed {
    type Value = Vec<&'de serde_json::value::RawValue>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a TAXII envelope (a JSON object with `objects`)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut objects = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "objects" {
                objects = map.next_value_seed(ObjectsSeed { limit: self.limit })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(objects)
    }
}

struct ObjectsSeed {
    limit: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for ObjectsSeed {
    type Value = Vec<&'de serde_json::value::RawValue>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ObjectsSeed {
    type Value = Vec<&'de serde_json::value::RawValue>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the envelope's `objects` array")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut objects = Vec::new();
        while let Some(object) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            if objects.len() == self.limit {
                return Err(serde::de::Error::custom(TOO_MANY));
            }
            objects.push(object);
        }
        Ok(objects)
    }
}

fn status_json(status: &StatusRecord) -> String {
    json!({
        "id": status.id,
        "status": status.status,
        "request_timestamp": time_text(&status.request_timestamp),
        "total_count": status.successes.len() + status.failures.len(),
        "success_count": status.successes.len(),
        "successes": status.successes,
        "failure_count": status.failures.len(),
        "failures": &status.failures[..status.failures.len().min(LISTED_FAILURES)],
        "pending_count": 0,
        "pending": [],
    })
    .to_string()
}

async fn add_objects(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_content_type(&headers)?;
    check_root(&root)?;
    if !may_write(&principal) {
        return Err(ApiError::forbidden(format!(
            "the role `{}` does not add objects",
            principal.role.as_str()
        ))
        .taxii());
    }
    let limit = state.settings.max_body_bytes;
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(limit).taxii())?;
    // A TAXII envelope is a JSON object; serde would read a top-level array as the struct's
    // fields in order.
    if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request(
            "the body is not a TAXII envelope: expected a JSON object with `objects`",
        )
        .taxii());
    }
    let limit = state.settings.max_objects;
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let raws = serde::de::DeserializeSeed::deserialize(EnvelopeSeed { limit }, &mut deserializer)
        .and_then(|raws| deserializer.end().map(|()| raws))
        .map_err(|e| {
            if e.to_string().starts_with(TOO_MANY) {
                ApiError::too_many_objects(limit).taxii()
            } else {
                ApiError::bad_request(format!(
                    "the body is not a TAXII envelope: {e} (line {}, column {})",
                    e.line(),
                    e.column()
                ))
                .taxii()
            }
        })?;
    if raws.is_empty() {
        return Err(ApiError::unprocessable("the envelope holds no `objects`").taxii());
    }
    let status = usecase::add(state.store.as_ref(), &principal, &id, &raws)
        .await
        .map_err(taxii_error)?;
    state
        .metrics
        .objects_added
        .fetch_add(status.successes.len() as u64, Ordering::Relaxed);
    Ok(taxii_json(StatusCode::ACCEPTED, status_json(&status)))
}

async fn status(
    State(state): State<AppState>,
    principal: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_accept(&headers)?;
    check_root(&root)?;
    let status = usecase::status(state.store.as_ref(), &principal, &id)
        .await
        .map_err(taxii_error)?;
    Ok(taxii_json(StatusCode::OK, status_json(&status)))
}

#[cfg(test)]
mod tests {
    //! TAXII request parameters are hostile input: every combination of known and unknown keys
    //! with arbitrary values is either a filter within the page bounds or a 400 — never a panic
    //! (the stable-toolchain counterpart of the cargo-fuzz targets in `fuzz/`).

    use proptest::prelude::*;

    use super::*;

    const PAGING: Paging = Paging {
        page_size: 100,
        max_page_size: 1000,
    };

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("limit".to_owned()),
            Just("next".to_owned()),
            Just("added_after".to_owned()),
            Just("match[id]".to_owned()),
            Just("match[type]".to_owned()),
            Just("match[version]".to_owned()),
            Just("match[spec_version]".to_owned()),
            any::<String>(),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9a-f]{0,20}",
            "-?[0-9]{1,30}",
            Just("first,last".to_owned()),
            Just("all".to_owned()),
            Just("2026-11-01T00:00:00.000Z".to_owned()),
            "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-][0-2][0-9]:[0-5][0-9])",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn any_parameters_give_a_bounded_filter_or_a_bad_request(
            params in proptest::collection::vec((key(), value()), 0..8)
        ) {
            for default in [VersionMatch::Last, VersionMatch::All] {
                match parse_filter(PAGING, &params, OBJECT_PARAMS, default) {
                    Ok(filter) => {
                        prop_assert!(filter.query.limit >= 1);
                        prop_assert!(filter.query.limit <= PAGING.max_page_size);
                        if let Some(seq) = filter.query.after_seq {
                            prop_assert!(seq >= 0);
                        }
                    }
                    Err(error) => prop_assert_eq!(error.status, StatusCode::BAD_REQUEST),
                }
            }
        }
    }

    #[test]
    fn limits_are_clamped_and_cursors_checked() {
        let params = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect()
        };
        let filter = parse_filter(
            PAGING,
            &params(&[("limit", "99999999999999999999")]),
            OBJECT_PARAMS,
            VersionMatch::Last,
        );
        assert!(filter.is_err(), "a limit beyond usize is a 400");
        let filter = parse_filter(
            PAGING,
            &params(&[("limit", "5000")]),
            OBJECT_PARAMS,
            VersionMatch::Last,
        )
        .expect("parses");
        assert_eq!(filter.query.limit, 1000);
        for bad in ["", "-1", "00ff", "ffffffffffffffffff", "zz"] {
            assert!(
                parse_filter(
                    PAGING,
                    &params(&[("next", bad)]),
                    OBJECT_PARAMS,
                    VersionMatch::Last
                )
                .is_err(),
                "{bad}"
            );
        }
    }
}
