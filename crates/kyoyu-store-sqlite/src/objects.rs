//! STIX objects in TAXII collections, and the status resources of the POSTs that added them.
//!
//! Key decisions:
//! - `seq` (never reused) is the paging cursor and `date_added` grows strictly with it: each new
//!   row gets the later of "now" and the last date handed out plus one microsecond, so two
//!   objects never share a `date_added` and `added_after` becomes a `seq` bound found through
//!   the unique index on `date_added`.
//! - `is_latest` marks the newest version of each object (versions compare as RFC 3339 text of
//!   one format), kept right on every add and delete, so the TAXII default `match[version]=last`
//!   is a walk of a partial index rather than a grouping query.

use chrono::{DateTime, TimeDelta, Utc};
use kyoyu_store::{
    Actor, AuditAction, Effects, NewObject, ObjectQuery, OrgId, STATUS_RETENTION, Standing,
    StatusDetail, StatusRecord, StoreError, Tlp, VersionMatch,
};
use rusqlite::types::Value;
use sqlx::SqliteConnection;

use crate::rows::{
    database, format_org_list, format_time, integer, json, now, optional_integer, optional_text,
    text, time, to_json,
};
use crate::{audit_log, communities, jobs, readers};

const TABLE: &str = "stix_objects";

/// Every stored version of one object (the lookup of each added object; its plan is tested).
pub(crate) const VERSIONS_OF_ONE: &str =
    "SELECT seq, version, submitter, json FROM stix_objects WHERE collection = ?1 AND id = ?2";

fn not_found(collection: &str) -> StoreError {
    StoreError::NotFound(format!("collection {collection:?}"))
}

/// The last `date_added` ever handed out.
async fn last_date_added(
    connection: &mut SqliteConnection,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = sqlx::query("SELECT last_date_added FROM stix_clock WHERE id = 1")
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading the last date added"))?;
    row.map(|row| time(&row, "stix_clock", "last_date_added"))
        .transpose()
}

pub(crate) async fn add(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    actor: &Actor,
    collection: &str,
    objects: &[NewObject],
    failures: Vec<StatusDetail>,
    effects: &Effects<'_>,
) -> Result<StatusRecord, StoreError> {
    let Some(standing) = communities::standing(connection, tenant, collection).await? else {
        return Err(not_found(collection));
    };
    let request_timestamp = now();
    let mut last = last_date_added(connection).await?;
    let mut successes = Vec::with_capacity(objects.len());
    let mut failures = failures;
    let mut stored = 0usize;
    for object in objects {
        // Every stored version of the object, through the unique (collection, id, version)
        // index: an object has a handful, and an aggregate or ORDER BY here lets the planner
        // walk the whole collection in seq order instead.
        let rows = sqlx::query(VERSIONS_OF_ONE)
            .bind(collection)
            .bind(&object.id)
            .fetch_all(&mut *connection)
            .await
            .map_err(database("looking up an object's versions"))?;
        let mut first: Option<(i64, Option<i64>)> = None;
        let mut newest: Option<String> = None;
        let mut present: Option<String> = None;
        for row in &rows {
            let seq = integer(row, TABLE, "seq")?;
            let version = text(row, TABLE, "version")?;
            if first.is_none_or(|(first_seq, _)| seq < first_seq) {
                first = Some((seq, optional_integer(row, TABLE, "submitter")?));
            }
            if version == object.version {
                present = Some(text(row, TABLE, "json")?);
            }
            if newest.as_ref().is_none_or(|newest| version > *newest) {
                newest = Some(version);
            }
        }
        let refuse = |message: String| StatusDetail {
            id: object.id.clone(),
            version: object.version.clone(),
            message: Some(message),
        };
        // An object belongs to the tenant that first stored its id in the collection: only it,
        // and the hub that owns the community (moderation), add versions of it.
        let producer = first.and_then(|(_, submitter)| submitter);
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
        if let Some(stored) = present {
            // The same version again: a success without a second copy when it is the same
            // object, refused when it says something else under the same version.
            if same_json(&stored, &object.json) {
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
        let is_latest = match &newest {
            Some(newest) => object.version > *newest,
            None => true,
        };
        if is_latest {
            sqlx::query(
                "UPDATE stix_objects SET is_latest = 0
                 WHERE collection = ? AND id = ? AND is_latest = 1",
            )
            .bind(collection)
            .bind(&object.id)
            .execute(&mut *connection)
            .await
            .map_err(database("marking an object's older versions"))?;
        }
        let date_added = match last {
            Some(last) if request_timestamp <= last => last + TimeDelta::microseconds(1),
            _ => request_timestamp,
        };
        last = Some(date_added);
        stored += 1;
        sqlx::query(
            "INSERT INTO stix_objects (collection, id, type, spec_version, version, date_added,
                                       tlp, audience, submitter, is_latest, json)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(collection)
        .bind(&object.id)
        .bind(&object.object_type)
        .bind(&object.spec_version)
        .bind(&object.version)
        .bind(format_time(&date_added))
        .bind(object.tlp.map(Tlp::as_str))
        .bind(format_org_list(&object.audience))
        .bind(tenant.0)
        .bind(i64::from(is_latest))
        .bind(&object.json)
        .execute(&mut *connection)
        .await
        .map_err(database("storing an object"))?;
    }
    if let Some(last) = last {
        sqlx::query(
            "INSERT INTO stix_clock (id, last_date_added) VALUES (1, ?)
             ON CONFLICT (id) DO UPDATE SET last_date_added = excluded.last_date_added",
        )
        .bind(format_time(&last))
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
    // Statuses past their retention go with the next POST (an index range on their time).
    sqlx::query("DELETE FROM statuses WHERE request_timestamp < ?")
        .bind(format_time(&(request_timestamp - STATUS_RETENTION)))
        .execute(&mut *connection)
        .await
        .map_err(database("removing expired statuses"))?;
    sqlx::query(
        "INSERT INTO statuses (id, tenant, collection, status, request_timestamp, successes,
                               failures)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&status.id)
    .bind(tenant.0)
    .bind(collection)
    .bind(&status.status)
    .bind(format_time(&status.request_timestamp))
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
            jobs::enqueue(connection, &job, request_timestamp).await?;
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

fn push_in_list(sql: &mut String, params: &mut Vec<Value>, column: &str, values: &[String]) {
    sql.push_str(" AND ");
    sql.push_str(column);
    sql.push_str(" IN (");
    for (i, value) in values.iter().enumerate() {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
        params.push(Value::Text(value.clone()));
    }
    sql.push(')');
}

/// The SQL of a page query, after `prefix` (the tests pass `EXPLAIN QUERY PLAN`), and its
/// parameters. The text depends only on which filters the query has and how many values each
/// lists (never on the values, the cursor or the limit), so the readers' statement cache keeps
/// one prepared statement per shape.
pub(crate) fn page_sql(
    prefix: &str,
    collection: &str,
    query: &ObjectQuery,
) -> (String, Vec<Value>) {
    let mut sql = String::with_capacity(512);
    let mut params = Vec::with_capacity(4);
    sql.push_str(prefix);
    sql.push_str("SELECT ");
    sql.push_str(readers::OBJECT_COLUMNS);
    sql.push_str(" FROM stix_objects o WHERE o.collection = ?");
    params.push(Value::Text(collection.to_owned()));
    if let Some(after_seq) = query.after_seq {
        sql.push_str(" AND o.seq > ?");
        params.push(Value::Integer(after_seq));
    }
    if let Some(added_after) = query.added_after {
        // date_added grows strictly with seq, so "added after t" is "seq after the last row
        // added at or before t" — one probe of the unique date_added index instead of a filter
        // on every row. Times are stored truncated to microseconds, which keeps this exact.
        sql.push_str(
            " AND o.seq > COALESCE((SELECT b.seq FROM stix_objects b WHERE b.date_added <= ? \
             ORDER BY b.date_added DESC LIMIT 1), 0)",
        );
        params.push(Value::Text(format_time(&added_after)));
    }
    if !query.ids.is_empty() {
        push_in_list(&mut sql, &mut params, "o.id", &query.ids);
    }
    if !query.types.is_empty() {
        push_in_list(&mut sql, &mut params, "o.type", &query.types);
    }
    if !query.spec_versions.is_empty() {
        push_in_list(
            &mut sql,
            &mut params,
            "o.spec_version",
            &query.spec_versions,
        );
    }
    match &query.versions {
        // A literal, so SQLite can use the partial index `stix_objects_latest`.
        VersionMatch::Last => {
            sql.push_str(" AND o.is_latest = 1");
        }
        VersionMatch::First => {
            sql.push_str(
                " AND o.version = (SELECT MIN(f.version) FROM stix_objects f \
                 WHERE f.collection = o.collection AND f.id = o.id)",
            );
        }
        VersionMatch::All => {}
        VersionMatch::Exact(versions) if versions.is_empty() => {
            sql.push_str(" AND 1 = 0");
        }
        VersionMatch::Exact(versions) => {
            push_in_list(&mut sql, &mut params, "o.version", versions);
        }
    }
    // One row past the limit tells whether there are more.
    let fetch = i64::try_from(query.limit)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    sql.push_str(" ORDER BY o.seq LIMIT ?");
    params.push(Value::Integer(fetch));
    (sql, params)
}

pub(crate) async fn delete(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    actor: &Actor,
    collection: &str,
    id: &str,
    versions: &VersionMatch,
) -> Result<u64, StoreError> {
    communities::require_owner(connection, tenant, collection).await?;
    let targets: Vec<String> = match versions {
        VersionMatch::All => {
            sqlx::query("SELECT version FROM stix_objects WHERE collection = ? AND id = ?")
                .bind(collection)
                .bind(id)
                .fetch_all(&mut *connection)
                .await
                .map_err(database("reading an object's versions"))?
                .iter()
                .map(|row| text(row, TABLE, "version"))
                .collect::<Result<_, _>>()?
        }
        VersionMatch::Last | VersionMatch::First => {
            let sql = if *versions == VersionMatch::Last {
                "SELECT MAX(version) AS version FROM stix_objects WHERE collection = ? AND id = ?"
            } else {
                "SELECT MIN(version) AS version FROM stix_objects WHERE collection = ? AND id = ?"
            };
            let row = sqlx::query(sql)
                .bind(collection)
                .bind(id)
                .fetch_one(&mut *connection)
                .await
                .map_err(database("reading an object's versions"))?;
            optional_text(&row, TABLE, "version")?.into_iter().collect()
        }
        VersionMatch::Exact(list) => list.clone(),
    };
    let mut deleted = 0;
    for version in &targets {
        deleted +=
            sqlx::query("DELETE FROM stix_objects WHERE collection = ? AND id = ? AND version = ?")
                .bind(collection)
                .bind(id)
                .bind(version)
                .execute(&mut *connection)
                .await
                .map_err(database("deleting an object version"))?
                .rows_affected();
    }
    if deleted == 0 {
        return Ok(0);
    }
    // The newest remaining version (if any) becomes the latest again.
    sqlx::query(
        "UPDATE stix_objects SET is_latest = CASE WHEN version =
             (SELECT MAX(v.version) FROM stix_objects v WHERE v.collection = ? AND v.id = ?)
             THEN 1 ELSE 0 END
         WHERE collection = ? AND id = ?",
    )
    .bind(collection)
    .bind(id)
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
    connection: &mut SqliteConnection,
    tenant: OrgId,
    id: &str,
) -> Result<Option<StatusRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT id, collection, status, request_timestamp, successes, failures FROM statuses
         WHERE id = ? AND tenant = ? AND request_timestamp >= ?",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(format_time(&(now() - STATUS_RETENTION)))
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("reading a status"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(StatusRecord {
        id: text(&row, "statuses", "id")?,
        collection: text(&row, "statuses", "collection")?,
        status: text(&row, "statuses", "status")?,
        request_timestamp: time(&row, "statuses", "request_timestamp")?,
        successes: json(&row, "statuses", "successes")?,
        failures: json(&row, "statuses", "failures")?,
    }))
}
