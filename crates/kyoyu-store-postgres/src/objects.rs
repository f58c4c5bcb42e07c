//! STIX objects in TAXII collections, and the status resources of the POSTs that added them.
//!
//! Key decisions:
//! - **Object writes serialize on the clock.** Every add and delete first locks the one row of
//!   `stix_clock` (`SELECT … FOR UPDATE`), which holds the last `date_added` handed out. While
//!   a writer holds it no other can take a `seq` (an identity column: never reused) or a
//!   `date_added`, so both are handed out in commit order across processes — a reader paging by
//!   `seq` never sees a later row commit below its cursor — and each new row gets the later of
//!   "now" and the last date plus one microsecond, so `date_added` is unique and strictly
//!   increasing with `seq` and `added_after` becomes a `seq` bound found through the unique
//!   index on `date_added`. The clock is taken before the audit head (see `audit_log.rs`).
//! - `is_latest` marks the newest version of each object (versions compare as text in byte
//!   order: `COLLATE "C"`), kept right on every add and delete, so the TAXII default
//!   `match[version]=last` walks a partial index rather than grouping.
//! - A page reads the reader's standing and the rows in one snapshot (the caller's read-only
//!   REPEATABLE READ transaction), like the SQLite backend's read transaction.

use chrono::{DateTime, TimeDelta, Utc};
use kyoyu_store::{
    Actor, AuditAction, Effects, NewObject, ObjectPage, ObjectQuery, OrgId, STATUS_RETENTION,
    Standing, StatusDetail, StatusRecord, StoreError, StoredObject, Tlp, VersionMatch,
};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::rows::{database, get, json, now, to_json};
use crate::{audit_log, communities, jobs};

const TABLE: &str = "stix_objects";

/// Every stored version of the ids of one request (by the unique `(collection, id, version)`
/// index).
const VERSIONS_OF_MANY: &str = "SELECT id, seq, version, submitter, json FROM stix_objects
     WHERE collection = $1 AND id = ANY($2)";

fn not_found(collection: &str) -> StoreError {
    StoreError::NotFound(format!("collection {collection:?}"))
}

/// Locks the object clock (see the module's documentation) and returns the last `date_added`
/// ever handed out.
async fn lock_clock(connection: &mut PgConnection) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = sqlx::query("SELECT last_date_added FROM stix_clock WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *connection)
        .await
        .map_err(database("locking the object clock"))?;
    get(&row, "stix_clock", "last_date_added")
}

pub(crate) async fn add(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    collection: &str,
    objects: &[NewObject],
    failures: Vec<StatusDetail>,
    effects: &Effects<'_>,
) -> Result<StatusRecord, StoreError> {
    let mut last = lock_clock(connection).await?;
    let Some(standing) = communities::standing(connection, tenant, collection).await? else {
        return Err(not_found(collection));
    };
    let request_timestamp = now();
    let mut successes = Vec::with_capacity(objects.len());
    let mut failures = failures;
    // What is stored of every id in the request, in one query (then kept up to date in memory
    // as the request's own versions are accepted: a request may carry several versions of one
    // object).
    let mut known = stored_versions(connection, collection, objects).await?;
    let mut rows = NewRows::default();
    // Ids whose stored newest version is superseded by this request.
    let mut superseded: Vec<&str> = Vec::new();
    for object in objects {
        let entry = known.entry(object.id.as_str()).or_default();
        let refuse = |message: String| StatusDetail {
            id: object.id.clone(),
            version: object.version.clone(),
            message: Some(message),
        };
        // An object belongs to the tenant that first stored its id in the collection: only it,
        // and the hub that owns the community (moderation), add versions of it.
        let producer = entry.first.and_then(|(_, submitter)| submitter);
        if let Some(producer) = producer
            && producer != tenant.0
            && standing != Standing::Owner
        {
            failures.push(refuse(format!(
                "`{}` belongs to another producer in this collection; only it, or the hub that owns the community, adds versions of it",
                object.id
            )));
            continue;
        }
        if let Some(stored) = entry.versions.get(object.version.as_str()) {
            // The same version again: a success without a second copy when it is the same
            // object, refused when it says something else under the same version.
            if same_json(stored, &object.json) {
                successes.push(StatusDetail {
                    id: object.id.clone(),
                    version: object.version.clone(),
                    message: None,
                });
            } else {
                failures.push(refuse(format!(
                    "`{}` version {} is stored with other content; a change is a new `modified`",
                    object.id, object.version
                )));
            }
            continue;
        }
        successes.push(StatusDetail {
            id: object.id.clone(),
            version: object.version.clone(),
            message: None,
        });
        if let Some(producer) = producer
            && producer != tenant.0
        {
            // The owning hub's moderation of another's object: its own entry in the hub's trail.
            let moderated = AuditAction::ObjectModerated {
                collection: collection.to_owned(),
                object: object.id.clone(),
                version: object.version.clone(),
                producer,
            };
            audit_log::append(connection, Some(tenant), actor, &moderated).await?;
        }
        let is_latest = entry
            .newest
            .as_ref()
            .is_none_or(|newest| object.version.as_str() > newest.as_str());
        if is_latest {
            match entry.newest_row {
                // The newest so far is one of this request's rows: it is no longer the latest.
                Some(NewestRow::New(index)) => rows.is_latest[index] = false,
                Some(NewestRow::Stored) => superseded.push(object.id.as_str()),
                None => {}
            }
            entry.newest = Some(object.version.clone());
            entry.newest_row = Some(NewestRow::New(rows.id.len()));
        }
        let date_added = match last {
            Some(last) if request_timestamp <= last => last + TimeDelta::microseconds(1),
            _ => request_timestamp,
        };
        last = Some(date_added);
        if entry.first.is_none() {
            entry.first = Some((i64::MAX, Some(tenant.0)));
        }
        entry
            .versions
            .insert(object.version.as_str().into(), object.json.clone());
        rows.push(object, date_added, is_latest);
    }
    if !superseded.is_empty() {
        superseded.sort_unstable();
        superseded.dedup();
        sqlx::query(
            "UPDATE stix_objects SET is_latest = false
             WHERE collection = $1 AND id = ANY($2) AND is_latest",
        )
        .bind(collection)
        .bind(&superseded)
        .execute(&mut *connection)
        .await
        .map_err(database("marking objects' older versions"))?;
    }
    let stored = rows.id.len();
    if stored > 0 {
        // One statement for every new row; the audience lists travel as array literals
        // (`{1,2}`), since a parameter cannot be an array of arrays of different lengths.
        sqlx::query(
            "INSERT INTO stix_objects (collection, id, type, spec_version, version, date_added,
                                       tlp, audience, submitter, is_latest, json)
             SELECT $1, r.id, r.type, r.spec_version, r.version, r.date_added, r.tlp,
                    r.audience::bigint[], $2, r.is_latest, r.json
             FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                         $8::text[], $9::text[], $10::boolean[], $11::text[])
                  WITH ORDINALITY AS r(id, type, spec_version, version, date_added, tlp,
                                       audience, is_latest, json, n)
             ORDER BY r.n",
        )
        .bind(collection)
        .bind(tenant.0)
        .bind(&rows.id)
        .bind(&rows.object_type)
        .bind(&rows.spec_version)
        .bind(&rows.version)
        .bind(&rows.date_added)
        .bind(&rows.tlp)
        .bind(&rows.audience)
        .bind(&rows.is_latest)
        .bind(&rows.json)
        .execute(&mut *connection)
        .await
        .map_err(database("storing objects"))?;
    }
    if let Some(last) = last {
        sqlx::query("UPDATE stix_clock SET last_date_added = $1 WHERE id = 1")
            .bind(last)
            .execute(&mut *connection)
            .await
            .map_err(database("recording the last date added"))?;
    }
    let status = StatusRecord {
        id: uuid::Uuid::new_v4().to_string(),
        collection: collection.to_owned(),
        status: "complete".to_owned(),
        request_timestamp,
        successes,
        failures,
    };
    // Statuses past their retention go with the next POST, whoever posted them (housekeeping
    // through a function that may see every tenant's statuses; see the migration).
    sqlx::query("SELECT kyoyu_expire_statuses($1)")
        .bind(request_timestamp - STATUS_RETENTION)
        .execute(&mut *connection)
        .await
        .map_err(database("removing expired statuses"))?;
    sqlx::query(
        "INSERT INTO statuses (id, tenant, collection, status, request_timestamp, successes,
                               failures)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&status.id)
    .bind(tenant.0)
    .bind(collection)
    .bind(&status.status)
    .bind(status.request_timestamp)
    .bind(to_json(&status.successes, "a status's successes")?)
    .bind(to_json(&status.failures, "a status's failures")?)
    .execute(&mut *connection)
    .await
    .map_err(database("storing a status"))?;
    let request = AuditAction::ObjectsAdded {
        collection: collection.to_owned(),
        status: status.id.clone(),
        added: status.successes.len(),
        refused: status.failures.len(),
    };
    audit_log::append(connection, Some(tenant), actor, &request).await?;
    for outflow in effects.outflows {
        audit_log::append(connection, Some(tenant), actor, outflow).await?;
    }
    if stored > 0 {
        for job in effects.jobs {
            let job = kyoyu_store::jobs::with_status(job, &status.id, stored);
            jobs::enqueue_outbox(connection, &job, request_timestamp).await?;
        }
    }
    Ok(status)
}

/// Whether two JSON texts are the same object (key order and spacing aside).
fn same_json(stored: &str, posted: &str) -> bool {
    stored == posted
        || matches!(
            (
                serde_json::from_str::<serde_json::Value>(stored),
                serde_json::from_str::<serde_json::Value>(posted),
            ),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Where the newest version of an id seen so far lives.
#[derive(Debug, Clone, Copy)]
enum NewestRow {
    /// In the table.
    Stored,
    /// Among this request's new rows, at this index.
    New(usize),
}

/// What is known of one id while a request is added.
#[derive(Debug, Default)]
struct Known {
    /// The first stored version's seq and submitter (the id's producer).
    first: Option<(i64, Option<i64>)>,
    /// Every version's JSON text.
    versions: std::collections::HashMap<Box<str>, String>,
    /// The newest version.
    newest: Option<String>,
    /// Where that newest version is.
    newest_row: Option<NewestRow>,
}

/// The stored versions of every id of `objects` in the collection, in one query (through the
/// unique `(collection, id, version)` index).
async fn stored_versions<'a>(
    connection: &mut PgConnection,
    collection: &str,
    objects: &'a [NewObject],
) -> Result<std::collections::HashMap<&'a str, Known>, StoreError> {
    let mut ids: Vec<&str> = objects.iter().map(|object| object.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut known: std::collections::HashMap<&'a str, Known> =
        std::collections::HashMap::with_capacity(ids.len());
    let stored = sqlx::query(VERSIONS_OF_MANY)
        .bind(collection)
        .bind(&ids)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("looking up objects' versions"))?;
    for row in &stored {
        let id: String = get(row, TABLE, "id")?;
        let Ok(index) = ids.binary_search(&id.as_str()) else {
            continue;
        };
        let entry = known.entry(ids[index]).or_default();
        let seq: i64 = get(row, TABLE, "seq")?;
        let version: String = get(row, TABLE, "version")?;
        if entry.first.is_none_or(|(first_seq, _)| seq < first_seq) {
            entry.first = Some((seq, get(row, TABLE, "submitter")?));
        }
        if entry.newest.as_ref().is_none_or(|newest| version > *newest) {
            entry.newest = Some(version.clone());
            entry.newest_row = Some(NewestRow::Stored);
        }
        entry
            .versions
            .insert(version.into_boxed_str(), get(row, TABLE, "json")?);
    }
    Ok(known)
}

/// The new rows of one request, column by column (bound as arrays to one `INSERT … SELECT
/// FROM UNNEST`).
#[derive(Debug, Default)]
struct NewRows {
    id: Vec<String>,
    object_type: Vec<String>,
    spec_version: Vec<String>,
    version: Vec<String>,
    date_added: Vec<DateTime<Utc>>,
    tlp: Vec<Option<&'static str>>,
    audience: Vec<String>,
    is_latest: Vec<bool>,
    json: Vec<String>,
}

impl NewRows {
    fn push(&mut self, object: &NewObject, date_added: DateTime<Utc>, is_latest: bool) {
        self.id.push(object.id.clone());
        self.object_type.push(object.object_type.clone());
        self.spec_version.push(object.spec_version.clone());
        self.version.push(object.version.clone());
        self.date_added.push(date_added);
        self.tlp.push(object.tlp.map(Tlp::as_str));
        let audience: Vec<String> = object
            .audience
            .iter()
            .map(|org| org.0.to_string())
            .collect();
        self.audience.push(format!("{{{}}}", audience.join(",")));
        self.is_latest.push(is_latest);
        self.json.push(object.json.clone());
    }
}

/// A value bound to a page query.
enum Param {
    Text(String),
    Integer(i64),
    Time(DateTime<Utc>),
    Texts(Vec<String>),
}

/// The SQL of a page query and its parameters: the reader's standing and the rows in one
/// statement (one round trip, one snapshot). The outer query is the community the tenant owns
/// or belongs to (no row: not found); the page is a `LEFT JOIN LATERAL` to it, so a readable
/// collection with no matching objects is one row of nulls. The text depends only on which
/// filters the query has (never on the values, the cursor or the limit; a list is one array
/// parameter), so sqlx's per-connection statement cache keeps one prepared statement per shape.
fn page_sql(tenant: OrgId, collection: &str, query: &ObjectQuery) -> (String, Vec<Param>) {
    let mut sql = String::with_capacity(768);
    let mut params = vec![Param::Text(collection.to_owned()), Param::Integer(tenant.0)];
    sql.push_str(
        "SELECT c.owner, o.seq, o.id, o.type, o.spec_version, o.version, o.date_added, o.tlp, \
         o.audience, o.submitter, o.json FROM communities c LEFT JOIN LATERAL (\
         SELECT o.seq, o.id, o.type, o.spec_version, o.version, o.date_added, o.tlp, \
         o.audience, o.submitter, o.json FROM stix_objects o WHERE o.collection = $1",
    );
    let mut bind = |sql: &mut String, text: &str, param: Param| {
        params.push(param);
        sql.push_str(&text.replace("$?", &format!("${}", params.len())));
    };
    if let Some(after_seq) = query.after_seq {
        bind(&mut sql, " AND o.seq > $?", Param::Integer(after_seq));
    }
    if let Some(added_after) = query.added_after {
        // date_added grows strictly with seq, so "added after t" is "seq after the last row
        // added at or before t": one probe of the unique date_added index.
        bind(
            &mut sql,
            " AND o.seq > COALESCE((SELECT b.seq FROM stix_objects b WHERE b.date_added <= $? \
             ORDER BY b.date_added DESC LIMIT 1), 0)",
            Param::Time(added_after),
        );
    }
    if !query.ids.is_empty() {
        bind(
            &mut sql,
            " AND o.id = ANY($?)",
            Param::Texts(query.ids.clone()),
        );
    }
    if !query.types.is_empty() {
        bind(
            &mut sql,
            " AND o.type = ANY($?)",
            Param::Texts(query.types.clone()),
        );
    }
    if !query.spec_versions.is_empty() {
        bind(
            &mut sql,
            " AND o.spec_version = ANY($?)",
            Param::Texts(query.spec_versions.clone()),
        );
    }
    match &query.versions {
        // A literal, so the planner can use the partial index `stix_objects_latest`.
        VersionMatch::Last => sql.push_str(" AND o.is_latest"),
        VersionMatch::First => sql.push_str(
            " AND o.version = (SELECT MIN(f.version) FROM stix_objects f \
             WHERE f.collection = o.collection AND f.id = o.id)",
        ),
        VersionMatch::All => {}
        VersionMatch::Exact(versions) if versions.is_empty() => sql.push_str(" AND false"),
        VersionMatch::Exact(versions) => bind(
            &mut sql,
            " AND o.version = ANY($?)",
            Param::Texts(versions.clone()),
        ),
    }
    // One row past the limit tells whether there are more.
    let fetch = i64::try_from(query.limit)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    bind(&mut sql, " ORDER BY o.seq LIMIT $?", Param::Integer(fetch));
    sql.push_str(
        ") o ON true WHERE c.id = $1 AND (c.owner = $2 OR EXISTS \
         (SELECT 1 FROM memberships m WHERE m.community = c.id AND m.org = $2)) ORDER BY o.seq",
    );
    (sql, params)
}

fn stored_object(row: &PgRow) -> Result<StoredObject, StoreError> {
    Ok(StoredObject {
        seq: get(row, TABLE, "seq")?,
        id: get(row, TABLE, "id")?,
        object_type: get(row, TABLE, "type")?,
        spec_version: get(row, TABLE, "spec_version")?,
        version: get(row, TABLE, "version")?,
        date_added: get(row, TABLE, "date_added")?,
        tlp: get::<Option<String>>(row, TABLE, "tlp")?
            .map(|label| {
                Tlp::from_label(&label).ok_or_else(|| {
                    StoreError::Corrupt(format!("{TABLE}.tlp: unknown TLP label {label:?}"))
                })
            })
            .transpose()?,
        audience: get::<Vec<i64>>(row, TABLE, "audience")?
            .into_iter()
            .map(OrgId)
            .collect(),
        submitter: get::<Option<i64>>(row, TABLE, "submitter")?.map(OrgId),
        json: get(row, TABLE, "json")?,
    })
}

/// A page of a collection's objects with the tenant's standing, read by one statement.
pub(crate) async fn page(
    connection: &mut PgConnection,
    tenant: OrgId,
    collection: &str,
    query: &ObjectQuery,
) -> Result<ObjectPage, StoreError> {
    let (sql, params) = page_sql(tenant, collection, query);
    let mut statement = sqlx::query(&sql);
    for param in params {
        statement = match param {
            Param::Text(value) => statement.bind(value),
            Param::Integer(value) => statement.bind(value),
            Param::Time(value) => statement.bind(value),
            Param::Texts(values) => statement.bind(values),
        };
    }
    let rows = statement
        .fetch_all(&mut *connection)
        .await
        .map_err(database("reading objects"))?;
    let Some(first) = rows.first() else {
        return Err(not_found(collection));
    };
    let owner: i64 = get(first, "communities", "owner")?;
    let standing = if owner == tenant.0 {
        Standing::Owner
    } else {
        Standing::Member
    };
    // A readable collection without matching objects: one row whose object columns are null.
    let objects_rows = if get::<Option<i64>>(first, TABLE, "seq")?.is_none() {
        &rows[..0]
    } else {
        &rows[..]
    };
    let more = objects_rows.len() > query.limit;
    let objects = objects_rows
        .iter()
        .take(query.limit)
        .map(stored_object)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ObjectPage {
        objects,
        more,
        standing,
    })
}

pub(crate) async fn delete(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    collection: &str,
    id: &str,
    versions: &VersionMatch,
) -> Result<u64, StoreError> {
    lock_clock(connection).await?;
    communities::require_owner(connection, tenant, collection).await?;
    let targets: Vec<String> = match versions {
        VersionMatch::All => {
            sqlx::query("SELECT version FROM stix_objects WHERE collection = $1 AND id = $2")
                .bind(collection)
                .bind(id)
                .fetch_all(&mut *connection)
                .await
                .map_err(database("reading an object's versions"))?
                .iter()
                .map(|row| get(row, TABLE, "version"))
                .collect::<Result<_, _>>()?
        }
        VersionMatch::Last | VersionMatch::First => {
            let sql = if *versions == VersionMatch::Last {
                "SELECT MAX(version) AS version FROM stix_objects WHERE collection = $1 AND id = $2"
            } else {
                "SELECT MIN(version) AS version FROM stix_objects WHERE collection = $1 AND id = $2"
            };
            let row = sqlx::query(sql)
                .bind(collection)
                .bind(id)
                .fetch_one(&mut *connection)
                .await
                .map_err(database("reading an object's versions"))?;
            get::<Option<String>>(&row, TABLE, "version")?
                .into_iter()
                .collect()
        }
        VersionMatch::Exact(list) => list.clone(),
    };
    let deleted = sqlx::query(
        "DELETE FROM stix_objects WHERE collection = $1 AND id = $2 AND version = ANY($3)",
    )
    .bind(collection)
    .bind(id)
    .bind(&targets)
    .execute(&mut *connection)
    .await
    .map_err(database("deleting object versions"))?
    .rows_affected();
    if deleted == 0 {
        return Ok(0);
    }
    // The newest remaining version (if any) becomes the latest again.
    sqlx::query(
        "UPDATE stix_objects SET is_latest = (version =
             (SELECT MAX(v.version) FROM stix_objects v WHERE v.collection = $1 AND v.id = $2))
         WHERE collection = $1 AND id = $2",
    )
    .bind(collection)
    .bind(id)
    .execute(&mut *connection)
    .await
    .map_err(database("marking an object's latest version"))?;
    let action = AuditAction::ObjectDeleted {
        collection: collection.to_owned(),
        id: id.to_owned(),
        versions: deleted,
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(deleted)
}

pub(crate) async fn status(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
) -> Result<Option<StatusRecord>, StoreError> {
    const STATUSES: &str = "statuses";
    let row = sqlx::query(
        "SELECT id, collection, status, request_timestamp, successes, failures FROM statuses
         WHERE id = $1 AND tenant = $2 AND request_timestamp >= $3",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(now() - STATUS_RETENTION)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("reading a status"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(StatusRecord {
        id: get(&row, STATUSES, "id")?,
        collection: get(&row, STATUSES, "collection")?,
        status: get(&row, STATUSES, "status")?,
        request_timestamp: get(&row, STATUSES, "request_timestamp")?,
        successes: json(&row, STATUSES, "successes")?,
        failures: json(&row, STATUSES, "failures")?,
    }))
}
