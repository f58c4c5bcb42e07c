//! Request counts per token and minute (`Store::system_count_requests`), the shared half of
//! kyoyu-server's rate limit, in the system scope.
//!
//! Key decision: one `INSERT … SELECT FROM UNNEST … ON CONFLICT DO UPDATE` for every count of
//! an exchange (one round trip per process and sync interval, whatever the number of tokens),
//! old minutes deleted in the same transaction.

use std::collections::HashMap;

use kyoyu_store::{RequestCount, StoreError};
use sqlx::PgConnection;

use crate::rows::{database, get};

pub(crate) async fn add(
    connection: &mut PgConnection,
    counts: &[RequestCount],
    oldest: i64,
) -> Result<Vec<u64>, StoreError> {
    sqlx::query("DELETE FROM request_counts WHERE minute < $1")
        .bind(oldest)
        .execute(&mut *connection)
        .await
        .map_err(database("removing old request counts"))?;
    let tokens: Vec<&str> = counts.iter().map(|count| count.token.as_str()).collect();
    let minutes: Vec<i64> = counts.iter().map(|count| count.minute).collect();
    let added: Vec<i64> = counts
        .iter()
        .map(|count| i64::try_from(count.count).unwrap_or(i64::MAX))
        .collect();
    let rows = sqlx::query(
        "INSERT INTO request_counts (token, minute, count)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[])
         ON CONFLICT (token, minute) DO UPDATE SET count = request_counts.count + excluded.count
         RETURNING token, minute, count",
    )
    .bind(&tokens)
    .bind(&minutes)
    .bind(&added)
    .fetch_all(&mut *connection)
    .await
    .map_err(database("counting requests"))?;
    let mut totals: HashMap<(String, i64), i64> = HashMap::with_capacity(rows.len());
    for row in &rows {
        totals.insert(
            (
                get(row, "request_counts", "token")?,
                get(row, "request_counts", "minute")?,
            ),
            get(row, "request_counts", "count")?,
        );
    }
    Ok(counts
        .iter()
        .map(|count| {
            totals
                .get(&(count.token.clone(), count.minute))
                .map_or(0, |total| u64::try_from(*total).unwrap_or(0))
        })
        .collect())
}
