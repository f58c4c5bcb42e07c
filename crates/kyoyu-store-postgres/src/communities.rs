//! Communities (each also a TAXII collection) and their memberships.
//!
//! Key decision: a community is visible only to its owner and its members, and managed only by
//! its owner; for anyone else every call answers "not found", so a caller cannot learn that a
//! community id exists. The queries say so themselves, and the row policies on `communities`
//! and `memberships` say it again in the database (see the migration).

use kyoyu_store::{
    Actor, AuditAction, CommunityRecord, OrgId, Standing, StoreError, Tlp, community_kind_code,
    community_kind_of_code,
};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::audit_log;
use crate::rows::{database, get, is_foreign_key_violation, is_unique_violation, named, now};

const TABLE: &str = "communities";

const SELECT_VISIBLE: &str = "SELECT c.id, c.owner, c.title, c.description, c.kind, c.max_tlp,
            c.created, 'owner' AS standing
     FROM communities c WHERE c.owner = $1
     UNION ALL
     SELECT c.id, c.owner, c.title, c.description, c.kind, c.max_tlp, c.created,
            'member' AS standing
     FROM communities c JOIN memberships m ON m.community = c.id
     WHERE m.org = $1 AND c.owner <> $1";

fn community(row: &PgRow) -> Result<(CommunityRecord, Standing), StoreError> {
    let record = CommunityRecord {
        id: get(row, TABLE, "id")?,
        owner: OrgId(get(row, TABLE, "owner")?),
        title: get(row, TABLE, "title")?,
        description: get(row, TABLE, "description")?,
        kind: named(row, TABLE, "kind", community_kind_of_code)?,
        max_tlp: named(row, TABLE, "max_tlp", |label| label.parse::<Tlp>().ok())?,
        created: get(row, TABLE, "created")?,
    };
    let standing: String = get(row, TABLE, "standing")?;
    let standing = match standing.as_str() {
        "owner" => Standing::Owner,
        _ => Standing::Member,
    };
    Ok((record, standing))
}

/// How the tenant stands to a community, or `None` when it is neither owner nor member (or the
/// community does not exist: the two are not told apart).
pub(crate) async fn standing(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
) -> Result<Option<Standing>, StoreError> {
    let row = sqlx::query(
        "SELECT c.owner FROM communities c
         WHERE c.id = $1 AND (c.owner = $2 OR EXISTS
             (SELECT 1 FROM memberships m WHERE m.community = c.id AND m.org = $2))",
    )
    .bind(id)
    .bind(tenant.0)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database("looking up a community"))?;
    row.map(|row| {
        let owner: i64 = get(&row, TABLE, "owner")?;
        Ok(if owner == tenant.0 {
            Standing::Owner
        } else {
            Standing::Member
        })
    })
    .transpose()
}

/// Fails with "not found" unless the tenant owns the community.
pub(crate) async fn require_owner(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
) -> Result<(), StoreError> {
    match standing(connection, tenant, id).await? {
        Some(Standing::Owner) => Ok(()),
        _ => Err(StoreError::NotFound(format!("community {id:?}"))),
    }
}

pub(crate) async fn create(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    record: &CommunityRecord,
) -> Result<(), StoreError> {
    if record.owner != tenant {
        return Err(StoreError::Forbidden(format!(
            "community {:?} names owner {} but is created by organization {tenant}",
            record.id, record.owner
        )));
    }
    // Another hub's community with this id is hidden from this transaction; the primary key is
    // not (uniqueness is checked over the whole table), so a taken id is still a conflict.
    sqlx::query(
        "INSERT INTO communities (id, owner, title, description, kind, max_tlp, created)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&record.id)
    .bind(tenant.0)
    .bind(&record.title)
    .bind(&record.description)
    .bind(community_kind_code(record.kind))
    .bind(record.max_tlp.as_str())
    .bind(record.created)
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!("community {:?}", record.id))
        } else {
            database("creating a community")(error)
        }
    })?;
    let action = AuditAction::CommunityCreated {
        community: record.id.clone(),
        title: record.title.clone(),
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(())
}

/// Adds a member; adding one already there changes nothing but is logged as the request it was.
pub(crate) async fn add_member(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    community: &str,
    member: OrgId,
) -> Result<(), StoreError> {
    require_owner(connection, tenant, community).await?;
    if member == tenant {
        return Err(StoreError::Conflict(format!(
            "organization {member} owns community {community:?} and cannot also be a member"
        )));
    }
    sqlx::query(
        "INSERT INTO memberships (community, org, created) VALUES ($1, $2, $3)
         ON CONFLICT (community, org) DO NOTHING",
    )
    .bind(community)
    .bind(member.0)
    .bind(now())
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if is_foreign_key_violation(&error) {
            StoreError::NotFound(format!("organization {member}"))
        } else {
            database("adding a member")(error)
        }
    })?;
    let action = AuditAction::MemberAdded {
        community: community.to_owned(),
        member,
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(())
}

pub(crate) async fn remove_member(
    connection: &mut PgConnection,
    tenant: OrgId,
    actor: &Actor,
    community: &str,
    member: OrgId,
) -> Result<(), StoreError> {
    require_owner(connection, tenant, community).await?;
    let removed = sqlx::query("DELETE FROM memberships WHERE community = $1 AND org = $2")
        .bind(community)
        .bind(member.0)
        .execute(&mut *connection)
        .await
        .map_err(database("removing a member"))?
        .rows_affected();
    if removed == 0 {
        return Err(StoreError::NotFound(format!(
            "organization {member} in community {community:?}"
        )));
    }
    let action = AuditAction::MemberRemoved {
        community: community.to_owned(),
        member,
    };
    audit_log::append(connection, Some(tenant), actor, &action).await?;
    Ok(())
}

pub(crate) async fn list(
    connection: &mut PgConnection,
    tenant: OrgId,
) -> Result<Vec<(CommunityRecord, Standing)>, StoreError> {
    let sql = format!("SELECT * FROM ({SELECT_VISIBLE}) visible ORDER BY created, id");
    sqlx::query(&sql)
        .bind(tenant.0)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("listing communities"))?
        .iter()
        .map(community)
        .collect()
}

pub(crate) async fn get_community(
    connection: &mut PgConnection,
    tenant: OrgId,
    id: &str,
) -> Result<Option<(CommunityRecord, Standing)>, StoreError> {
    let sql = format!("SELECT * FROM ({SELECT_VISIBLE}) visible WHERE visible.id = $2");
    sqlx::query(&sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database("reading a community"))?
        .as_ref()
        .map(community)
        .transpose()
}

pub(crate) async fn members(
    connection: &mut PgConnection,
    tenant: OrgId,
    community: &str,
) -> Result<Vec<OrgId>, StoreError> {
    require_owner(connection, tenant, community).await?;
    sqlx::query("SELECT org FROM memberships WHERE community = $1 ORDER BY org")
        .bind(community)
        .fetch_all(&mut *connection)
        .await
        .map_err(database("reading members"))?
        .iter()
        .map(|row| get(row, "memberships", "org").map(OrgId))
        .collect()
}
