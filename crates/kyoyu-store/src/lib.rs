//! kyoyu's storage trait and the types it speaks: organizations (tenants), tokens, incidents
//! with their items, timeline and approvals, communities and memberships, vendor consents, STIX
//! objects in TAXII collections with their status resources, and the hash-chained audit log.
//!
//! Key decision: **every method that touches a tenant's data takes the tenant** ([`OrgId`]) and
//! a backend answers only within it — a record of another tenant is "not found", never an error
//! that confirms it exists. The only unscoped methods are the registry of organizations and
//! tokens (how a tenant is established in the first place) and the operator's whole-log audit
//! read, the job queue, and the whole-store copy (`copy`); they are named `system_*` so a reviewer
//! sees them at the call site. One crate per
//! backend implements [`Store`] (`kyoyu-store-sqlite`, `kyoyu-store-postgres`) and owns its
//! migrations; the server holds an `Arc<dyn Store>`.

pub mod audit;
pub mod copy;
pub mod hub;
pub mod jobs;
pub mod token;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use audit::{AuditAction, AuditEntry, ChainBreak, verify_chain};
pub use copy::{StoreDump, StoreLoad};
pub use hub::{HUB_PAGE_LIMIT, HubSubmission};
pub use jobs::{Job, JobEffect, JobEnd, JobOutcome, NewJob, QueueStats};
pub use kyoyu_model::{CommunityKind, Tlp};
pub use token::{IssuedToken, TokenSecret};

/// An organization's id: the tenant key on every scoped call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrgId(pub i64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What an organization is to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// An organization hit by an attack: keeps incidents, shares toward hubs.
    Victim,
    /// A security vendor acting for victims under their recorded consent (M10).
    Vendor,
    /// A coordination hub or ISAC: owns communities and their TAXII collections.
    Hub,
    /// A member of communities: receives alerts.
    Member,
}

impl OrgKind {
    /// Every kind, in the order of the command line's help.
    pub const ALL: [OrgKind; 4] = [Self::Victim, Self::Vendor, Self::Hub, Self::Member];

    /// The name in commands, the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Victim => "victim",
            Self::Vendor => "vendor",
            Self::Hub => "hub",
            Self::Member => "member",
        }
    }

    /// The kind of a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// What a token may do inside its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The victim's incident responders: full access to their own incidents.
    Responder,
    /// A security vendor's staff: acts for a victim only under the victim's recorded consent (M10).
    Vendor,
    /// Executives and PR: read-only summaries (M2).
    Executive,
    /// The hub's analysts: communities, memberships, collections.
    HubAnalyst,
    /// A community member: reads the collections of its communities.
    Member,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Self::Responder,
        Self::Vendor,
        Self::Executive,
        Self::HubAnalyst,
        Self::Member,
    ];

    /// The name in commands, the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Responder => "responder",
            Self::Vendor => "vendor",
            Self::Executive => "executive",
            Self::HubAnalyst => "hub_analyst",
            Self::Member => "member",
        }
    }

    /// The role of a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    /// Its id (the tenant key).
    pub id: OrgId,
    /// Its unique name.
    pub name: String,
    /// What it is.
    pub kind: OrgKind,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// A stored API token: never the secret, only its argon2 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its id (also the public lookup part of the token text).
    pub id: String,
    /// The organization it acts for.
    pub org: OrgId,
    /// Its role.
    pub role: Role,
    /// A label for people (who holds it).
    pub label: String,
    /// The argon2 PHC string of the secret part.
    pub hash: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked: Option<DateTime<Utc>>,
}

/// Who did something: the organization and the token (or the operator's command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The organization acted for.
    pub org: Option<OrgId>,
    /// The token id, or `operator` for the command line on the server's data.
    pub who: String,
    /// The client's idempotency key, when the request carried one: the first write the request
    /// makes claims it in its own transaction (see [`RequestKey`]). Not part of the audit entry.
    #[serde(skip)]
    pub request: Option<RequestKey>,
}

impl Actor {
    /// The operator at the server's command line (`kyoyu admin`).
    pub fn operator() -> Self {
        Self {
            org: None,
            who: "operator".into(),
            request: None,
        }
    }
}

/// A client's `Idempotency-Key` on a write request, scoped to its organization.
///
/// Key decision: the key is claimed by the request's first audit entry, i.e. inside the
/// transaction of the change itself (every tenant write is audited): the change and the claim
/// commit together or not at all. A second request with the same key — a client's retry after
/// a timeout, even on another process — then cannot write: its claim finds the first request's
/// (`StoreError::KeyInUse`), and the server answers it with the first request's saved response,
/// or 409 while that is not saved yet. So a retry never stores twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// The key the client sent.
    pub key: String,
    /// SHA-256 of the request (method, path, media type, body): the same key with another
    /// request is the client's error.
    pub fingerprint: String,
    /// This request's own id, telling its own claim (a second write of the same request) from
    /// another request's.
    pub request: String,
}

/// What the store keeps of a keyed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    /// The fingerprint of the request that claimed the key.
    pub fingerprint: String,
    /// Its id.
    pub request: String,
    /// Its response, once saved.
    pub response: Option<SavedResponse>,
}

/// A response saved for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedResponse {
    /// The HTTP status.
    pub status: u16,
    /// Its `Content-Type`.
    pub content_type: String,
    /// Its body.
    pub body: String,
}

/// One process's requests of one token in one minute, as it hands them to the store
/// ([`Store::system_count_requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCount {
    /// The token's id.
    pub token: String,
    /// The minute: seconds since the Unix epoch divided by 60.
    pub minute: i64,
    /// Requests counted since the last exchange.
    pub count: u64,
}

/// How long a request's key and saved response are kept (a client retries within minutes; a
/// day, as the IETF draft's examples and common APIs keep them).
pub const IDEMPOTENCY_RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The parts of an incident that grow by appending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// `items[]`.
    Items,
    /// `timeline[]`.
    Timeline,
    /// `approvals[]`.
    Approvals,
}

impl Part {
    /// Every part, in the incident file's order.
    pub const ALL: [Part; 3] = [Part::Items, Part::Timeline, Part::Approvals];

    /// The part with this key.
    pub fn from_key(key: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|part| part.key() == key)
    }

    /// The key of the part in the incident file.
    pub fn key(self) -> &'static str {
        match self {
            Self::Items => "items",
            Self::Timeline => "timeline",
            Self::Approvals => "approvals",
        }
    }
}

/// An incident as stored: the incident file's JSON form split into the header (everything but
/// the appendable parts) and the parts' entries, each the JSON of one entry as the file writes
/// it. The store keeps JSON; the server validates the assembled document with `kyoyu-incident`
/// before any write, so what is stored always parses.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentDoc {
    /// The incident's id (unique within the tenant).
    pub id: String,
    /// Its version: 1 when created, +1 on every change (optimistic concurrency).
    pub version: i64,
    /// Everything of the incident file except `items`, `timeline` and `approvals`.
    pub header: serde_json::Value,
    /// `items[]`.
    pub items: Vec<serde_json::Value>,
    /// `timeline[]`.
    pub timeline: Vec<serde_json::Value>,
    /// `approvals[]`.
    pub approvals: Vec<serde_json::Value>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
}

impl IncidentDoc {
    /// The whole incident file as one JSON document.
    pub fn document(&self) -> serde_json::Value {
        let mut document = self.header.clone();
        if let Some(table) = document.as_object_mut() {
            table.insert("items".into(), self.items.clone().into());
            table.insert("timeline".into(), self.timeline.clone().into());
            table.insert("approvals".into(), self.approvals.clone().into());
        }
        document
    }

    /// The entries of one part.
    pub fn part(&self, part: Part) -> &[serde_json::Value] {
        match part {
            Part::Items => &self.items,
            Part::Timeline => &self.timeline,
            Part::Approvals => &self.approvals,
        }
    }

    /// The entries of one part, to change.
    pub fn part_mut(&mut self, part: Part) -> &mut Vec<serde_json::Value> {
        match part {
            Part::Items => &mut self.items,
            Part::Timeline => &mut self.timeline,
            Part::Approvals => &mut self.approvals,
        }
    }

    /// Splits an incident file's JSON document into header and parts.
    pub fn split(id: &str, mut document: serde_json::Value) -> Option<IncidentDoc> {
        let table = document.as_object_mut()?;
        let mut take = |key: &str| match table.remove(key) {
            Some(serde_json::Value::Array(entries)) => Some(entries),
            None | Some(serde_json::Value::Null) => Some(Vec::new()),
            Some(_) => None,
        };
        let items = take("items")?;
        let timeline = take("timeline")?;
        let approvals = take("approvals")?;
        let now = Utc::now();
        Some(IncidentDoc {
            id: id.to_owned(),
            version: 1,
            header: document,
            items,
            timeline,
            approvals,
            created: now,
            updated: now,
        })
    }
}

/// One line of an incident list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentSummary {
    /// The id.
    pub id: String,
    /// The version.
    pub version: i64,
    /// Number of items.
    pub items: i64,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last changed.
    pub updated: DateTime<Utc>,
}

/// A community (a TAXII collection), owned by a hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityRecord {
    /// Its id (a UUID: also the TAXII collection id).
    pub id: String,
    /// The owning hub.
    pub owner: OrgId,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// The guidance's kind: type A, a hub that names no victim ([`CommunityKind::Hub`]), or
    /// type B, an ISAC ([`CommunityKind::Isac`]). The hub's analysts set it; the egress gate
    /// takes the recipient's terms from here, never from the sender's incident file.
    pub kind: CommunityKind,
    /// The most restrictive TLP the community accepts and honours.
    pub max_tlp: Tlp,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// The stored and API code of a community kind: `A` (a hub) or `B` (an ISAC), the guidance's
/// names for the two types of sharing bodies.
pub fn community_kind_code(kind: CommunityKind) -> &'static str {
    match kind {
        CommunityKind::Hub => "A",
        CommunityKind::Isac => "B",
    }
}

/// The community kind of a code (`A` or `B`).
pub fn community_kind_of_code(code: &str) -> Option<CommunityKind> {
    match code {
        "A" => Some(CommunityKind::Hub),
        "B" => Some(CommunityKind::Isac),
        _ => None,
    }
}

/// How an organization stands to a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The hub that owns it.
    Owner,
    /// A member.
    Member,
}

/// One STIX object to add to a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject {
    /// `id`.
    pub id: String,
    /// `type`.
    pub object_type: String,
    /// `spec_version` (2.1 when absent).
    pub spec_version: String,
    /// The version: `modified`, else `created`, else the date added (SCOs and marking
    /// definitions have none), as RFC 3339 with milliseconds.
    pub version: String,
    /// The object's TLP 2.0 label, or `None` when it carries no TLP marking.
    pub tlp: Option<Tlp>,
    /// The organizations besides the collection's owner that may read it when its TLP names
    /// recipients only (AMBER+STRICT, RED): the submitter.
    pub audience: Vec<OrgId>,
    /// The object's JSON text.
    pub json: String,
}

/// What an add of objects writes besides the objects, in the same transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Effects<'a> {
    /// Audit entries of the items a share release carries.
    pub outflows: &'a [AuditAction],
    /// Jobs the change causes (the transactional outbox: enqueued only if the objects are).
    pub jobs: &'a [NewJob],
}

impl Effects<'static> {
    /// Nothing besides the objects.
    pub const NONE: Effects<'static> = Effects {
        outflows: &[],
        jobs: &[],
    };
}

/// A stored STIX object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The store's sequence number: strictly increasing in order of adding.
    pub seq: i64,
    /// `id`.
    pub id: String,
    /// `type`.
    pub object_type: String,
    /// `spec_version`.
    pub spec_version: String,
    /// The version (see [`NewObject::version`]).
    pub version: String,
    /// When the server added it (strictly increasing with `seq`, microseconds).
    pub date_added: DateTime<Utc>,
    /// Its TLP label, if it has one.
    pub tlp: Option<Tlp>,
    /// Who may read it besides the owner when its TLP names recipients only.
    pub audience: Vec<OrgId>,
    /// Who added it.
    pub submitter: Option<OrgId>,
    /// The JSON text.
    pub json: String,
}

/// Which versions of an object a query returns (TAXII `match[version]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VersionMatch {
    /// The newest version of each object (the TAXII default).
    #[default]
    Last,
    /// The oldest version of each object.
    First,
    /// Every version.
    All,
    /// These exact versions.
    Exact(Vec<String>),
}

/// A query on a collection's objects (TAXII filtering and paging).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectQuery {
    /// Only objects added after this time.
    pub added_after: Option<DateTime<Utc>>,
    /// Only objects with these ids (empty: any).
    pub ids: Vec<String>,
    /// Only objects of these types (empty: any).
    pub types: Vec<String>,
    /// Only objects of these spec versions (empty: any).
    pub spec_versions: Vec<String>,
    /// Which versions.
    pub versions: VersionMatch,
    /// Continue after this sequence number (the paging cursor).
    pub after_seq: Option<i64>,
    /// At most this many rows.
    pub limit: usize,
}

/// A page of objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPage {
    /// The objects, in the order they were added.
    pub objects: Vec<StoredObject>,
    /// Whether more rows match after the last one.
    pub more: bool,
    /// How the reader stands to the collection (checked in the same read as the rows), so a
    /// caller that needs it for the egress gate makes one store call per page.
    pub standing: Standing,
}

/// One object's outcome in a status resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    /// `id`.
    pub id: String,
    /// `version`.
    pub version: String,
    /// Why it failed, for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// How long a status resource is kept after its request: a client polls it within minutes;
/// kept for good, statuses would grow the database with every POST.
pub const STATUS_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// A TAXII status resource: the outcome of one POST of objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    /// Its id (a UUID).
    pub id: String,
    /// The collection.
    pub collection: String,
    /// `complete` (the store writes all of a POST in one transaction, so never `pending`).
    pub status: String,
    /// When the request came.
    pub request_timestamp: DateTime<Utc>,
    /// Objects added.
    pub successes: Vec<StatusDetail>,
    /// Objects refused, with why.
    pub failures: Vec<StatusDetail>,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or is another tenant's).
    #[error("not found: {0}")]
    NotFound(String),
    /// A record with this key exists already.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The record changed since it was read (optimistic concurrency).
    #[error("changed meanwhile: {0}")]
    Stale(String),
    /// The caller may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The stored data is not what this version of kyoyu writes.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// A value the backend cannot store as given (PostgreSQL text holds no NUL character); the
    /// request's fault, nothing was written.
    #[error("not storable: {0}")]
    Invalid(String),
    /// The request's idempotency key was claimed by another request (see [`RequestKey`]);
    /// nothing was written.
    #[error("idempotency key in use: {0}")]
    KeyInUse(String),
    /// The database cannot be reached just now (restarting, connection lost, busy beyond the
    /// timeout): the request may be retried later; nothing was written.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database refuses writes (a read-only file or mount, a PostgreSQL server or role set
    /// read-only): reads still work; nothing was written. Kept apart from `Unavailable` so the
    /// answer can say why — an operator must give write access back, waiting alone does not help.
    #[error("database read-only: {0}")]
    ReadOnly(String),
    /// The database's disk is full (SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`): the
    /// transaction was rolled back, nothing was written; writes work again once there is space.
    #[error("database disk full: {0}")]
    DiskFull(String),
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

/// The storage of a kyoyu server. Implementations are `Send + Sync` and cheap to share.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- the registry of organizations and tokens (unscoped: establishes the tenant) ---

    /// Creates an organization (audited).
    async fn system_create_org(&self, actor: &Actor, name: &str, kind: OrgKind)
    -> StoreResult<Org>;
    /// An organization by name.
    async fn system_org_by_name(&self, name: &str) -> StoreResult<Option<Org>>;
    /// An organization by id.
    async fn system_org(&self, id: OrgId) -> StoreResult<Option<Org>>;
    /// Every organization.
    async fn system_orgs(&self) -> StoreResult<Vec<Org>>;
    /// Stores a new token (its hash) for an organization (audited).
    async fn system_create_token(&self, actor: &Actor, token: &TokenRecord) -> StoreResult<()>;
    /// A token by its id (for authentication).
    async fn system_token(&self, id: &str) -> StoreResult<Option<TokenRecord>>;
    /// Revokes one of the tenant's tokens (audited).
    async fn revoke_token(&self, tenant: OrgId, actor: &Actor, id: &str) -> StoreResult<()>;

    // --- incidents (the victim's own, or a vendor's under consent: the caller resolves which
    //     tenant it acts for before calling) ---

    /// Creates an incident.
    async fn create_incident(
        &self,
        tenant: OrgId,
        actor: &Actor,
        incident: &IncidentDoc,
    ) -> StoreResult<()>;
    /// The tenant's incidents.
    async fn incidents(&self, tenant: OrgId) -> StoreResult<Vec<IncidentSummary>>;
    /// One incident.
    async fn incident(&self, tenant: OrgId, id: &str) -> StoreResult<Option<IncidentDoc>>;
    /// Appends entries to a part of an incident if its version is still `expected_version`;
    /// returns the new version.
    async fn append(
        &self,
        tenant: OrgId,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        part: Part,
        entries: &[serde_json::Value],
    ) -> StoreResult<i64>;
    /// Replaces an incident's header if its version is still `expected_version`.
    async fn replace_header(
        &self,
        tenant: OrgId,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        header: &serde_json::Value,
    ) -> StoreResult<i64>;

    // --- vendor consent (M10) ---

    /// The victim `tenant` lets `vendor` act for it (audited).
    async fn grant_consent(&self, tenant: OrgId, actor: &Actor, vendor: OrgId) -> StoreResult<()>;
    /// The victim `tenant` withdraws the consent (audited).
    async fn withdraw_consent(
        &self,
        tenant: OrgId,
        actor: &Actor,
        vendor: OrgId,
    ) -> StoreResult<()>;
    /// The victims that let the vendor `tenant` act for them.
    async fn consents_held(&self, tenant: OrgId) -> StoreResult<Vec<OrgId>>;

    // --- communities and memberships ---

    /// Creates a community owned by the hub `tenant` (audited).
    async fn create_community(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &CommunityRecord,
    ) -> StoreResult<()>;
    /// Adds an organization to one of the tenant's communities (audited).
    async fn add_member(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &str,
        member: OrgId,
    ) -> StoreResult<()>;
    /// Removes an organization from one of the tenant's communities (audited).
    async fn remove_member(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &str,
        member: OrgId,
    ) -> StoreResult<()>;
    /// The communities the tenant owns or belongs to.
    async fn communities(&self, tenant: OrgId) -> StoreResult<Vec<(CommunityRecord, Standing)>>;
    /// One community, if the tenant owns it or belongs to it.
    async fn community(
        &self,
        tenant: OrgId,
        id: &str,
    ) -> StoreResult<Option<(CommunityRecord, Standing)>>;
    /// The members of one of the tenant's own communities.
    async fn members(&self, tenant: OrgId, community: &str) -> StoreResult<Vec<OrgId>>;

    // --- STIX objects in collections (TAXII) ---

    /// Adds objects to a collection the tenant owns or belongs to, in one transaction with the
    /// status resource, the audit entries (one for the request, plus `effects.outflows`: the
    /// items a share release carries) and `effects.jobs` (the transactional outbox: each job's
    /// object payload gets the new status id under `status`; none is written when nothing was
    /// stored). An object belongs to the tenant that first stored its id in the
    /// collection: a version from anyone else but the owning hub is a failure with why. The same
    /// version again is a success without a second copy when its JSON is the same object, and a
    /// failure when it says something else.
    async fn add_objects(
        &self,
        tenant: OrgId,
        actor: &Actor,
        collection: &str,
        objects: &[NewObject],
        failures: Vec<StatusDetail>,
        effects: &Effects<'_>,
    ) -> StoreResult<StatusRecord>;
    /// Objects of a collection the tenant owns or belongs to, with the tenant's standing in it
    /// (an unknown collection and one the tenant is not in are both "not found"). The rows are
    /// candidates: the caller passes each through the egress gate before it leaves.
    async fn objects(
        &self,
        tenant: OrgId,
        collection: &str,
        query: &ObjectQuery,
    ) -> StoreResult<ObjectPage>;
    /// Deletes an object's versions from a collection the tenant owns (audited); returns how
    /// many versions went.
    async fn delete_object(
        &self,
        tenant: OrgId,
        actor: &Actor,
        collection: &str,
        id: &str,
        versions: &VersionMatch,
    ) -> StoreResult<u64>;
    /// A status resource of the tenant's, if it is younger than [`STATUS_RETENTION`] (older
    /// ones are removed when objects are next added).
    async fn status(&self, tenant: OrgId, id: &str) -> StoreResult<Option<StatusRecord>>;

    // --- idempotency keys (see `RequestKey`) ---

    /// What is kept of the organization's request with this key (younger than
    /// [`IDEMPOTENCY_RETENTION`]).
    async fn keyed_request(&self, org: OrgId, key: &str) -> StoreResult<Option<KeyedRequest>>;
    /// Saves the response of the request that claimed `key` (nothing when it claimed none: it
    /// wrote nothing) and removes the organization's keys past their retention; whether a
    /// claim was there to save it in.
    async fn save_response(
        &self,
        org: OrgId,
        key: &RequestKey,
        response: &SavedResponse,
    ) -> StoreResult<bool>;

    // --- rate limits (infrastructure: counts of every token, shared by every process) ---

    /// Adds each count to the store's total for its token and minute, and answers the totals
    /// across every process in the same order; forgets minutes before `oldest`.
    async fn system_count_requests(
        &self,
        counts: &[RequestCount],
        oldest: i64,
    ) -> StoreResult<Vec<u64>>;

    // --- audit ---

    /// Appends an entry on behalf of the tenant (outflows decided outside the store, e.g. a
    /// share package released to a community).
    async fn audit(
        &self,
        tenant: OrgId,
        actor: &Actor,
        action: &AuditAction,
    ) -> StoreResult<AuditEntry>;
    /// The tenant's own audit entries (its proof of conduct, M11), oldest first.
    async fn audit_entries(
        &self,
        tenant: OrgId,
        after_seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>>;
    /// The whole log, oldest first, for `kyoyu audit verify` (operator only).
    async fn system_audit_log(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<AuditEntry>>;

    // --- the hub's submissions (tenant: the hub; see `hub` and docs/hub-privacy.md) ---

    /// Stores a member's submission; with `member`, which is allowed only when the submission
    /// says the member consented to being named, also its provenance record. A taken id or
    /// receipt is [`StoreError::Conflict`]; nothing is written then.
    async fn hub_add_submission(
        &self,
        tenant: OrgId,
        submission: &HubSubmission,
        member: Option<OrgId>,
    ) -> StoreResult<()>;
    /// The hub's submissions in id order after `after`, at most `limit` (≤ [`HUB_PAGE_LIMIT`]).
    async fn hub_submissions(
        &self,
        tenant: OrgId,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<HubSubmission>>;
    /// The submission a receipt belongs to (by the receipt's SHA-256).
    async fn hub_submission_by_receipt(
        &self,
        tenant: OrgId,
        receipt_hash: &str,
    ) -> StoreResult<Option<HubSubmission>>;
    /// The member behind a submission, where it consented to being named; appends
    /// [`AuditAction::ProvenanceRead`] to the hub's trail in the same transaction, also when
    /// there is no one to name.
    async fn hub_provenance(
        &self,
        tenant: OrgId,
        actor: &Actor,
        submission: &str,
    ) -> StoreResult<Option<OrgId>>;

    // --- the job queue (infrastructure: workers act for every tenant; see `jobs`) ---

    /// Enqueues a job; with a `key`, an unfinished job of the same kind and key is returned
    /// instead of a second one. The job's id.
    async fn system_enqueue(&self, job: &NewJob) -> StoreResult<i64>;
    /// Claims up to `limit` jobs of these kinds for `worker` until `now + lease`: due queued
    /// jobs, and running ones whose lease ran out (their worker is presumed dead), oldest first.
    /// Two claimers never get the same job under one lease.
    async fn system_claim(
        &self,
        worker: &str,
        kinds: &[&str],
        lease: std::time::Duration,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Job>>;
    /// Records how claimed jobs ended, all in one transaction, and for each one done appends
    /// its `effect` (the job's visible result, in the audit log of the tenant it names) in that
    /// same transaction — so a job's effect is recorded exactly once however often it was
    /// claimed. One flag per end, in order: `false` (and nothing written for that job) when
    /// `worker` no longer holds it (its lease ran out and another claim took it). Done jobs
    /// older than [`jobs::JOB_RETENTION`] are removed in the same transaction (at most
    /// [`jobs::JOB_PRUNE_BATCH`]).
    async fn system_finish(
        &self,
        worker: &str,
        ends: &[JobEnd],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<bool>>;
    /// The queue's counts and the age of its oldest due job.
    async fn system_queue_stats(&self, now: DateTime<Utc>) -> StoreResult<QueueStats>;
    /// Whether the singleton schedule `name` (every `every`) is due at `now`; when it is, its
    /// next run moves to `now + every` in the same step, so of several processes asking only one
    /// is told `true`.
    async fn system_schedule_due(
        &self,
        name: &str,
        every: std::time::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // --- the whole store, for `kyoyu admin copy-store` (operator only; see `copy`) ---

    /// Opens a read of every table in one snapshot, row by row as stored (every tenant's).
    async fn system_dump(&self) -> StoreResult<Box<dyn StoreDump>>;
    /// Begins writing a copy into this store in one transaction; [`StoreError::Conflict`]
    /// (naming the tables that hold rows) unless every table is empty and no object was ever
    /// added. Other writers wait until the copy commits or is dropped.
    async fn system_load(&self) -> StoreResult<Box<dyn StoreLoad>>;
    /// Rows per table, in [`copy::TABLES`]' order.
    async fn system_row_counts(&self) -> StoreResult<copy::RowCounts>;
}
