//! Organizations, tokens and vendor consents: the registry that establishes tenants, and the
//! victim's consent that lets a vendor act for it (M10).
//!
//! Key decision: the token table holds the argon2 hash and never the secret, and a token is
//! revoked only through its own tenant — another tenant's token id is "not found".

use kyoyu_store::{Actor, AuditAction, Org, OrgId, OrgKind, StoreError, TokenRecord};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::audit_log;
use crate::rows::{
    database, format_time, integer, is_unique_violation, named, now, optional_time, text, time,
};

fn org(row: &SqliteRow) -> Result<Org, StoreError> {
    Ok(Org {
        id: OrgId(integer(row, "orgs", "id")?),
        name: text(row, "orgs", "name")?,
        kind: named(row, "orgs", "kind", OrgKind::parse)?,
        created: time(row, "orgs", "created")?,
    })
}

/// Whether an organization exists.
pub(crate) async fn exists(
    connection: &mut SqliteConnection,
    id: OrgId,
) -> Result<bool, StoreError> {
    sqlx::query("SELECT 1 FROM orgs WHERE id = ?")
        .bind(id.0)
        .fetch_optional(&mut *connection)
        .await
        .map(|row| row.is_some())
        .map_err(database("looking up an organization"))
}

pub(crate) async fn create_org(
    connection: &mut SqliteConnection,
    actor: &Actor,
    name: &str,
    kind: OrgKind,
) -> Result<Org, StoreError> {
    let created = now();
    let row = sqlx::query("INSERT INTO orgs (name, kind, created) VALUES (?, ?, ?) RETURNING id")
        .bind(name)
        .bind(kind.as_str())
        .bind(format_time(&created))
        .fetch_one(&mut *connection)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::Conflict(format!("an organization named {name:?}"))
            } else {
                database("creating an organization")(error)
            }
        })?;
    let id = OrgId(integer(&row, "orgs", "id")?);
    let action = AuditAction::OrgCreated {
        name: name.to_owned(),
        kind: kind.as_str().to_owned(),
    };
    audit_log::append(connection, Some(id), actor, &action).await?;
    Ok(Org {
        id,
        name: name.to_owned(),
        kind,
        created,
    })
}

pub(crate) async fn org_by_name(
    connection: &mut SqliteConnection,
    name: &str,
) -> Result<Option<Org>, StoreError> {
    sqlx::query("SELECT id, name, kind, created FROM orgs WHERE name = ?")
        .bind(name)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading an organization"))?
        .as_ref()
        .map(org)
        .transpose()
}

pub(crate) async fn orgs(connection: &mut SqliteConnection) -> Result<Vec<Org>, StoreError> {
    sqlx::query("SELECT id, name, kind, created FROM orgs ORDER BY id")
        .fetch_all(&mut *connection)
        .await
        .map_err(database("reading organizations"))?
        .iter()
        .map(org)
        .collect()
}

pub(crate) async fn create_token(
    connection: &mut SqliteConnection,
    actor: &Actor,
    record: &TokenRecord,
) -> Result<(), StoreError> {
    if !exists(connection, record.org).await? {
        return Err(StoreError::NotFound(format!("organization {}", record.org)));
    }
    sqlx::query(
        "INSERT INTO tokens (id, org, role, label, hash, created, revoked)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&record.id)
    .bind(record.org.0)
    .bind(record.role.as_str())
    .bind(&record.label)
    .bind(&record.hash)
    .bind(format_time(&record.created))
    .bind(record.revoked.as_ref().map(format_time))
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!("a token with id {:?}", record.id))
        } else {
            database("storing a token")(error)
        }
    })?;
    let action = AuditAction::TokenCreated {
        token: record.id.clone(),
        org: record.org,
        role: record.role.as_str().to_owned(),
        label: record.label.clone(),
    };
    audit_log::append(connection, Some(record.org), actor, &action).await?;
    Ok(())
}

/// Revokes a token of the tenant's. Revoking a revoked token changes nothing (the first
/// revocation time stays) and is not logged again.
pub(crate) async fn revoke_token(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    actor: &Actor,
    id: &str,
) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT revoked FROM tokens WHERE id = ? AND org = ?")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading a token"))?;
    let Some(row) = row else {
        return Err(StoreError::NotFound(format!("token {id:?}")));
    };
    if optional_time(&row, "tokens", "revoked")?.is_some() {
        return Ok(());
    }
    sqlx::query("UPDATE tokens SET revoked = ? WHERE id = ? AND org = ?")
        .bind(format_time(&now()))
        .bind(id)
        .bind(tenant.0)
        .execute(&mut *connection)
        .await
        .map_err(database("revoking a token"))?;
    let action = AuditAction::TokenRevoked {
        token: id.to_owned(),
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(())
}

/// Records the victim's consent; granting it again keeps the first grant and logs the request.
pub(crate) async fn grant_consent(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    actor: &Actor,
    vendor: OrgId,
) -> Result<(), StoreError> {
    if !exists(connection, vendor).await? {
        return Err(StoreError::NotFound(format!("organization {vendor}")));
    }
    sqlx::query(
        "INSERT INTO consents (victim, vendor, created) VALUES (?, ?, ?)
         ON CONFLICT (victim, vendor) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(vendor.0)
    .bind(format_time(&now()))
    .execute(&mut *connection)
    .await
    .map_err(database("recording a consent"))?;
    audit_log::append(
        connection,
        Some(tenant),
        actor,
        &AuditAction::ConsentGranted { vendor },
    )
    .await?;
    Ok(())
}

pub(crate) async fn withdraw_consent(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    actor: &Actor,
    vendor: OrgId,
) -> Result<(), StoreError> {
    let deleted = sqlx::query("DELETE FROM consents WHERE victim = ? AND vendor = ?")
        .bind(tenant.0)
        .bind(vendor.0)
        .execute(&mut *connection)
        .await
        .map_err(database("withdrawing a consent"))?
        .rows_affected();
    if deleted == 0 {
        return Err(StoreError::NotFound(format!(
            "a consent for organization {vendor}"
        )));
    }
    audit_log::append(
        connection,
        Some(tenant),
        actor,
        &AuditAction::ConsentWithdrawn { vendor },
    )
    .await?;
    Ok(())
}

pub(crate) async fn consents_held(
    connection: &mut SqliteConnection,
    tenant: OrgId,
) -> Result<Vec<OrgId>, StoreError> {
    sqlx::query("SELECT victim FROM consents WHERE vendor = ? ORDER BY victim")
        .bind(tenant.0)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("reading consents"))?
        .iter()
        .map(|row| integer(row, "consents", "victim").map(OrgId))
        .collect()
}
