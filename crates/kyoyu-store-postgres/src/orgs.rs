//! Organizations, tokens and vendor consents: the registry that establishes tenants, and the
//! victim's consent that lets a vendor act for it (M10).
//!
//! Key decision: the token table holds the argon2 hash and never the secret, and a token is
//! revoked only through its own tenant — another tenant's token id is "not found" (the query
//! says `org = $tenant`, and the row policy would hide the row anyway). Inside a tenant's
//! transaction another organization's row cannot be read, so naming one (a vendor, a member) is
//! checked by the foreign key, which row security does not hide.

use kyoyu_store::{Actor, AuditAction, Org, OrgId, OrgKind, Role, StoreError, TokenRecord};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::audit_log;
use crate::rows::{database, get, is_foreign_key_violation, is_unique_violation, named, now};

fn org(row: &PgRow) -> Result<Org, StoreError> {
    Ok(Org {
        id: OrgId(get(row, "orgs", "id")?),
        name: get(row, "orgs", "name")?,
        kind: named(row, "orgs", "kind", OrgKind::parse)?,
        created: get(row, "orgs", "created")?,
    })
}

pub(crate) async fn create_org(
    connection: &mut PgConnection,
    actor: &Actor,
    name: &str,
    kind: OrgKind,
) -> Result<Org, StoreError> {
    let created = now();
    let row =
        sqlx::query("INSERT INTO orgs (name, kind, created) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(kind.as_str())
            .bind(created)
            .fetch_one(&mut *connection)
            .await
            .map_err(|error| {
                if is_unique_violation(&error) {
                    StoreError::Conflict(format!("an organization named {name:?}"))
                } else {
                    database("creating an organization")(error)
                }
            })?;
    let id = OrgId(get(&row, "orgs", "id")?);
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
    connection: &mut PgConnection,
    name: &str,
) -> Result<Option<Org>, StoreError> {
    sqlx::query("SELECT id, name, kind, created FROM orgs WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading an organization"))?
        .as_ref()
        .map(org)
        .transpose()
}

pub(crate) async fn org_by_id(
    connection: &mut PgConnection,
    id: OrgId,
) -> Result<Option<Org>, StoreError> {
    sqlx::query("SELECT id, name, kind, created FROM orgs WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading an organization"))?
        .as_ref()
        .map(org)
        .transpose()
}

pub(crate) async fn orgs(connection: &mut PgConnection) -> Result<Vec<Org>, StoreError> {
    sqlx::query("SELECT id, name, kind, created FROM orgs ORDER BY id")
        .fetch_all(&mut *connection)
        .await
        .map_err(database("reading organizations"))?
        .iter()
        .map(org)
        .collect()
}

pub(crate) async fn create_token(
    connection: &mut PgConnection,
    actor: &Actor,
    record: &TokenRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tokens (id, org, role, label, hash, created, revoked)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&record.id)
    .bind(record.org.0)
    .bind(record.role.as_str())
    .bind(&record.label)
    .bind(&record.hash)
    .bind(record.created)
    .bind(record.revoked)
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if is_foreign_key_violation(&error) {
            StoreError::NotFound(format!("organization {}", record.org))
        } else if is_unique_violation(&error) {
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

pub(crate) async fn token(
    connection: &mut PgConnection,
    id: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    const TABLE: &str = "tokens";
    let row = sqlx::query(
        "SELECT id, org, role, label, hash, created, revoked FROM tokens WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("reading a token"))?;
    row.map(|row| {
        Ok(TokenRecord {
            id: get(&row, TABLE, "id")?,
            org: OrgId(get(&row, TABLE, "org")?),
            role: named(&row, TABLE, "role", Role::parse)?,
            label: get(&row, TABLE, "label")?,
            hash: get(&row, TABLE, "hash")?,
            created: get(&row, TABLE, "created")?,
            revoked: get(&row, TABLE, "revoked")?,
        })
    })
    .transpose()
}

/// Revokes a token of the tenant's. Revoking a revoked token changes nothing (the first
/// revocation time stays) and is not logged again.
pub(crate) async fn revoke_token(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    id: &str,
) -> Result<(), StoreError> {
    // FOR UPDATE: two revocations at once log one entry, as on SQLite's one writer.
    let row = sqlx::query("SELECT revoked FROM tokens WHERE id = $1 AND org = $2 FOR UPDATE")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading a token"))?;
    let Some(row) = row else {
        return Err(StoreError::NotFound(format!("token {id:?}")));
    };
    let revoked: Option<chrono::DateTime<chrono::Utc>> = get(&row, "tokens", "revoked")?;
    if revoked.is_some() {
        return Ok(());
    }
    sqlx::query("UPDATE tokens SET revoked = $1 WHERE id = $2 AND org = $3")
        .bind(now())
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
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    vendor: OrgId,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consents (victim, vendor, created) VALUES ($1, $2, $3)
         ON CONFLICT (victim, vendor) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(vendor.0)
    .bind(now())
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if is_foreign_key_violation(&error) {
            StoreError::NotFound(format!("organization {vendor}"))
        } else {
            database("recording a consent")(error)
        }
    })?;
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
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    vendor: OrgId,
) -> Result<(), StoreError> {
    let deleted = sqlx::query("DELETE FROM consents WHERE victim = $1 AND vendor = $2")
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
    connection: &mut PgConnection,
    tenant: OrgId,
) -> Result<Vec<OrgId>, StoreError> {
    sqlx::query("SELECT victim FROM consents WHERE vendor = $1 ORDER BY victim")
        .bind(tenant.0)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("reading consents"))?
        .iter()
        .map(|row| get(row, "consents", "victim").map(OrgId))
        .collect()
}
