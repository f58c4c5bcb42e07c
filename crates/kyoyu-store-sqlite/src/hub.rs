//! The hub's submissions and their provenance records (`kyoyu_store::hub`).
//!
//! Key decision: a provenance record is written only for a submission whose member consented
//! to being named (checked here, not only by the caller), and reading one appends the audit
//! entry in the same transaction.

use kyoyu_store::{Actor, AuditAction, HUB_PAGE_LIMIT, HubSubmission, OrgId, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::audit_log;
use crate::rows::{database, integer, is_unique_violation, json, optional_text, text, to_json};

const COLUMNS: &str = "id, pseudonym, day, sector, region, size_band, consent_name, \
                       consent_credit, indicators, receipt";

pub(crate) async fn add(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    submission: &HubSubmission,
    member: Option<OrgId>,
) -> Result<(), StoreError> {
    kyoyu_store::hub::check_provenance(submission, member)?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO hub_submissions (tenant, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(tenant.0)
    .bind(&submission.id)
    .bind(&submission.pseudonym)
    .bind(submission.day)
    .bind(&submission.sector)
    .bind(&submission.region)
    .bind(&submission.size_band)
    .bind(submission.consent_name)
    .bind(submission.consent_credit)
    .bind(to_json(&submission.indicators, "the indicators")?)
    .bind(&submission.receipt_hash)
    .execute(&mut *connection)
    .await;
    match inserted {
        Err(error) if is_unique_violation(&error) => {
            return Err(StoreError::Conflict(format!(
                "hub submission {:?} (its id or receipt is taken)",
                submission.id
            )));
        }
        other => {
            other.map_err(database("storing a hub submission"))?;
        }
    }
    if let Some(member) = member {
        sqlx::query("INSERT INTO hub_provenance (tenant, submission, member) VALUES (?, ?, ?)")
            .bind(tenant.0)
            .bind(&submission.id)
            .bind(member.0)
            .execute(&mut *connection)
            .await
            .map_err(database("storing a provenance record"))?;
    }
    Ok(())
}

fn submission(row: &SqliteRow) -> Result<HubSubmission, StoreError> {
    const TABLE: &str = "hub_submissions";
    Ok(HubSubmission {
        id: text(row, TABLE, "id")?,
        pseudonym: text(row, TABLE, "pseudonym")?,
        day: integer(row, TABLE, "day")?,
        sector: optional_text(row, TABLE, "sector")?,
        region: optional_text(row, TABLE, "region")?,
        size_band: optional_text(row, TABLE, "size_band")?,
        consent_name: integer(row, TABLE, "consent_name")? != 0,
        consent_credit: integer(row, TABLE, "consent_credit")? != 0,
        indicators: json(row, TABLE, "indicators")?,
        receipt_hash: text(row, TABLE, "receipt")?,
    })
}

pub(crate) async fn list(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<HubSubmission>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM hub_submissions WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?"
    ))
    .bind(tenant.0)
    .bind(after.unwrap_or(""))
    .bind(limit.min(HUB_PAGE_LIMIT) as i64)
    .fetch_all(&mut *connection)
    .await
    .map_err(database("reading hub submissions"))?;
    rows.iter().map(submission).collect()
}

pub(crate) async fn by_receipt(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    receipt_hash: &str,
) -> Result<Option<HubSubmission>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM hub_submissions WHERE tenant = ? AND receipt = ?"
    ))
    .bind(tenant.0)
    .bind(receipt_hash)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("finding a hub submission by its receipt"))?;
    row.as_ref().map(submission).transpose()
}

pub(crate) async fn provenance(
    connection: &mut SqliteConnection,
    tenant: OrgId,
    actor: &Actor,
    id: &str,
) -> Result<Option<OrgId>, StoreError> {
    let member: Option<i64> =
        sqlx::query_scalar("SELECT member FROM hub_provenance WHERE tenant = ? AND submission = ?")
            .bind(tenant.0)
            .bind(id)
            .fetch_optional(&mut *connection)
            .await
            .map_err(database("reading a provenance record"))?;
    audit_log::append(
        connection,
        Some(tenant),
        actor,
        &AuditAction::ProvenanceRead {
            submission: id.to_owned(),
            named: member.is_some(),
        },
    )
    .await?;
    Ok(member.map(OrgId))
}
