//! Request counts per token and minute (`Store::system_count_requests`), the shared half of
//! kyoyu-server's rate limit.
//!
//! Key decision: one upsert per token and minute in one write transaction, old minutes deleted
//! in it, so the table holds only the minutes still being counted.

use kyoyu_store::{RequestCount, StoreError};
use sqlx::SqliteConnection;

use crate::rows::{database, integer};

pub(crate) async fn add(
    connection: &mut SqliteConnection,
    counts: &[RequestCount],
    oldest: i64,
) -> Result<Vec<u64>, StoreError> {
    sqlx::query("DELETE FROM request_counts WHERE minute < ?")
        .bind(oldest)
        .execute(&mut *connection)
        .await
        .map_err(database("removing old request counts"))?;
    let mut totals = Vec::with_capacity(counts.len());
    for count in counts {
        let row = sqlx::query(
            "INSERT INTO request_counts (token, minute, count) VALUES (?, ?, ?)
             ON CONFLICT (token, minute) DO UPDATE SET count = count + excluded.count
             RETURNING count",
        )
        .bind(&count.token)
        .bind(count.minute)
        .bind(i64::try_from(count.count).unwrap_or(i64::MAX))
        .fetch_one(&mut *connection)
        .await
        .map_err(database("counting requests"))?;
        totals.push(u64::try_from(integer(&row, "request_counts", "count")?).unwrap_or(0));
    }
    Ok(totals)
}
