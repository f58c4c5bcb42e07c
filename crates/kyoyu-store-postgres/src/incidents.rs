//! Incidents: the header as one JSON text, and each entry of `items`, `timeline` and
//! `approvals` as its own row, in order.
//!
//! Key decision: an entry row per entry, so appending costs the new entries only and never
//! rewrites the whole incident; every change locks the incident's row (`FOR UPDATE`), checks
//! and bumps its version in the same transaction (optimistic concurrency: a writer that read an
//! older version gets `Stale`; two writers at once queue on the row and the second gets `Stale`,
//! as the SQLite backend's one writer gives).

use kyoyu_store::{Actor, AuditAction, IncidentDoc, IncidentSummary, OrgId, Part, StoreError};
use sqlx::PgConnection;

use crate::audit_log;
use crate::rows::{database, get, is_unique_violation, json, now, to_json};

async fn insert_entries(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
    part: Part,
    first_position: i64,
    entries: &[serde_json::Value],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let positions: Vec<i64> = (first_position..).take(entries.len()).collect();
    let texts = entries
        .iter()
        .map(|entry| to_json(entry, "an incident entry"))
        .collect::<Result<Vec<_>, _>>()?;
    // One statement for all entries: the arrays are unnested side by side.
    sqlx::query(
        "INSERT INTO incident_entries (tenant, incident, part, position, json)
         SELECT $1, $2, $3, e.position, e.json
         FROM unnest($4::bigint[], $5::text[]) AS e (position, json)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(part.key())
    .bind(&positions)
    .bind(&texts)
    .execute(&mut *connection)
    .await
    .map_err(database("storing incident entries"))?;
    Ok(())
}

pub(crate) async fn create(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    incident: &IncidentDoc,
) -> Result<(), StoreError> {
    // A new incident is version 1 whatever the document says (the trait's contract).
    sqlx::query(
        "INSERT INTO incidents (tenant, id, version, header, created, updated)
         VALUES ($1, $2, 1, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(&incident.id)
    .bind(to_json(&incident.header, "an incident header")?)
    .bind(incident.created)
    .bind(incident.updated)
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!("incident {:?}", incident.id))
        } else {
            database("creating an incident")(error)
        }
    })?;
    for part in Part::ALL {
        insert_entries(
            connection,
            tenant,
            &incident.id,
            part,
            0,
            incident.part(part),
        )
        .await?;
    }
    let action = AuditAction::IncidentCreated {
        incident: incident.id.clone(),
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(())
}

pub(crate) async fn list(
    connection: &mut PgConnection,
    tenant: OrgId,
) -> Result<Vec<IncidentSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.id, i.version, i.created, i.updated,
                (SELECT COUNT(*) FROM incident_entries e
                 WHERE e.tenant = i.tenant AND e.incident = i.id AND e.part = 'items') AS items
         FROM incidents i WHERE i.tenant = $1 ORDER BY i.id",
    )
    .bind(tenant.0)
    .fetch_all(&mut *connection)
    .await
    .map_err(database("listing incidents"))?;
    rows.iter()
        .map(|row| {
            Ok(IncidentSummary {
                id: get(row, "incidents", "id")?,
                version: get(row, "incidents", "version")?,
                items: get(row, "incident_entries", "items")?,
                created: get(row, "incidents", "created")?,
                updated: get(row, "incidents", "updated")?,
            })
        })
        .collect()
}

/// One incident; the caller reads inside one snapshot so header and entries agree.
pub(crate) async fn get_incident(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
) -> Result<Option<IncidentDoc>, StoreError> {
    let row = sqlx::query(
        "SELECT id, version, header, created, updated FROM incidents
         WHERE tenant = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("reading an incident"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut incident = IncidentDoc {
        id: get(&row, "incidents", "id")?,
        version: get(&row, "incidents", "version")?,
        header: json(&row, "incidents", "header")?,
        items: Vec::new(),
        timeline: Vec::new(),
        approvals: Vec::new(),
        created: get(&row, "incidents", "created")?,
        updated: get(&row, "incidents", "updated")?,
    };
    let entries = sqlx::query(
        "SELECT part, json FROM incident_entries
         WHERE tenant = $1 AND incident = $2 ORDER BY part, position",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_all(&mut *connection)
    .await
    .map_err(database("reading an incident's entries"))?;
    for entry in &entries {
        let name: String = get(entry, "incident_entries", "part")?;
        let value = json(entry, "incident_entries", "json")?;
        let part = Part::from_key(&name).ok_or_else(|| {
            StoreError::Corrupt(format!("incident_entries.part: unknown part {name:?}"))
        })?;
        incident.part_mut(part).push(value);
    }
    Ok(Some(incident))
}

/// Locks the incident, checks the version and bumps it; returns the new version.
async fn bump_version(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
    expected_version: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT version FROM incidents WHERE tenant = $1 AND id = $2 FOR UPDATE")
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading an incident's version"))?;
    let Some(row) = row else {
        return Err(StoreError::NotFound(format!("incident {id:?}")));
    };
    let version: i64 = get(&row, "incidents", "version")?;
    if version != expected_version {
        return Err(StoreError::Stale(format!(
            "incident {id:?} is at version {version}, not {expected_version}"
        )));
    }
    let new_version = version + 1;
    sqlx::query("UPDATE incidents SET version = $1, updated = $2 WHERE tenant = $3 AND id = $4")
        .bind(new_version)
        .bind(now())
        .bind(tenant.0)
        .bind(id)
        .execute(&mut *connection)
        .await
        .map_err(database("updating an incident's version"))?;
    Ok(new_version)
}

pub(crate) async fn append(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    id: &str,
    expected_version: i64,
    part: Part,
    entries: &[serde_json::Value],
) -> Result<i64, StoreError> {
    let new_version = bump_version(connection, tenant, id, expected_version).await?;
    let row = sqlx::query(
        "SELECT COALESCE(MAX(position) + 1, 0) AS next FROM incident_entries
         WHERE tenant = $1 AND incident = $2 AND part = $3",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(part.key())
    .fetch_one(&mut *connection)
    .await
    .map_err(database("reading an incident's last entry"))?;
    let next: i64 = get(&row, "incident_entries", "next")?;
    insert_entries(connection, tenant, id, part, next, entries).await?;
    let action = AuditAction::IncidentChanged {
        incident: id.to_owned(),
        part: part.key().to_owned(),
        added: entries.len(),
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(new_version)
}

pub(crate) async fn replace_header(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    id: &str,
    expected_version: i64,
    header: &serde_json::Value,
) -> Result<i64, StoreError> {
    let new_version = bump_version(connection, tenant, id, expected_version).await?;
    sqlx::query("UPDATE incidents SET header = $1 WHERE tenant = $2 AND id = $3")
        .bind(to_json(header, "an incident header")?)
        .bind(tenant.0)
        .bind(id)
        .execute(&mut *connection)
        .await
        .map_err(database("replacing an incident's header"))?;
    let action = AuditAction::IncidentChanged {
        incident: id.to_owned(),
        part: "header".to_owned(),
        added: 0,
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(new_version)
}
