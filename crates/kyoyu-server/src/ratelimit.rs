//! Requests per token and minute (`rate_limit_per_minute`), counted across every process that
//! shares the store: past the limit, 429 with `Retry-After` until the minute ends.
//!
//! Key decision: a request is never a database write. Each process counts its own requests in
//! memory and, every `rate_limit_sync_ms`, hands the counts of the last interval to the store in
//! one call (`Store::system_count_requests`), which answers every token's total across all
//! processes; a request is admitted while the last known total plus what this process counted
//! since stays under the limit. So N processes together admit at most the limit plus what the
//! other N − 1 admitted within one sync interval — a bound stated, not a hope — and a process
//! alone (the embedded default) is exact. Fixed one-minute windows: a client learns exactly when
//! it may go on. A store that cannot be reached keeps the counts for the next exchange.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use kyoyu_store::{RequestCount, Store};

/// One token's counts in the current minute.
#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    minute: i64,
    /// Counted here since the last exchange.
    pending: u64,
    /// Handed to the store in the exchange under way.
    sending: u64,
    /// The store's total at the last exchange (every process's, this one's included).
    known: u64,
}

/// The process's counts.
#[derive(Debug, Default)]
pub struct RateLimiter {
    entries: Mutex<HashMap<String, Entry>>,
}

/// The minute of a Unix time and the seconds left in it.
fn minute_of(unix_seconds: i64) -> (i64, u64) {
    let minute = unix_seconds.div_euclid(60);
    let left = 60 - unix_seconds.rem_euclid(60);
    (minute, u64::try_from(left).unwrap_or(60))
}

impl RateLimiter {
    /// Counts a request of `token` at `unix_seconds`; `Err(seconds to wait)` when the token has
    /// used its `limit` for this minute (0: no limit, nothing counted).
    pub fn admit(&self, token: &str, limit: u64, unix_seconds: i64) -> Result<(), u64> {
        if limit == 0 {
            return Ok(());
        }
        let (minute, left) = minute_of(unix_seconds);
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = entries.entry(token.to_owned()).or_default();
        if entry.minute != minute {
            *entry = Entry {
                minute,
                ..Entry::default()
            };
        }
        if entry.known + entry.sending + entry.pending >= limit {
            return Err(left);
        }
        entry.pending += 1;
        Ok(())
    }

    /// The counts to hand to the store, marked as being sent; entries of past minutes with
    /// nothing to send are forgotten (memory stays bounded by the tokens active in a minute).
    fn take(&self, unix_seconds: i64) -> Vec<RequestCount> {
        let (minute, _) = minute_of(unix_seconds);
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.retain(|_, entry| entry.minute >= minute - 1 || entry.pending > 0);
        entries
            .iter_mut()
            .filter(|(_, entry)| entry.pending > 0)
            .map(|(token, entry)| {
                entry.sending = entry.pending;
                entry.pending = 0;
                RequestCount {
                    token: token.clone(),
                    minute: entry.minute,
                    count: entry.sending,
                }
            })
            .collect()
    }

    /// Takes the store's answer: the totals (`Ok`) or a failure, after which the counts sent are
    /// counted again as pending for the next exchange.
    fn settle(&self, sent: &[RequestCount], totals: Option<&[u64]>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (index, count) in sent.iter().enumerate() {
            let Some(entry) = entries.get_mut(&count.token) else {
                continue;
            };
            if entry.minute != count.minute {
                continue;
            }
            entry.sending = 0;
            match totals.and_then(|totals| totals.get(index)) {
                Some(total) => entry.known = entry.known.max(*total),
                None => entry.pending += count.count,
            }
        }
    }

    /// One exchange with the store at `unix_seconds`.
    pub async fn sync(&self, store: &dyn Store, unix_seconds: i64) {
        let sent = self.take(unix_seconds);
        let (minute, _) = minute_of(unix_seconds);
        // Totals of other processes arrive only with an exchange: with nothing of ours to send,
        // the tokens seen this minute are still asked about (a count of 0).
        let asked: Vec<RequestCount> = if sent.is_empty() {
            let entries = self
                .entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            entries
                .iter()
                .filter(|(_, entry)| entry.minute == minute)
                .map(|(token, entry)| RequestCount {
                    token: token.clone(),
                    minute: entry.minute,
                    count: 0,
                })
                .collect()
        } else {
            sent
        };
        if asked.is_empty() {
            return;
        }
        match store.system_count_requests(&asked, minute - 1).await {
            Ok(totals) => self.settle(&asked, Some(&totals)),
            Err(error) => {
                tracing::warn!(%error, "the request counts could not be exchanged with the store; kept for the next exchange");
                self.settle(&asked, None);
            }
        }
    }

    /// Exchanges counts every `every` until the task is dropped.
    pub async fn run(&self, store: &dyn Store, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.sync(store, chrono::Utc::now().timestamp()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_refused_past_its_limit_until_the_minute_ends() {
        let limiter = RateLimiter::default();
        let t = 30_000_000 * 60 + 15; // 15 s into a minute
        for _ in 0..3 {
            assert_eq!(limiter.admit("a", 3, t), Ok(()));
        }
        assert_eq!(limiter.admit("a", 3, t), Err(45));
        assert_eq!(
            limiter.admit("b", 3, t),
            Ok(()),
            "another token counts apart"
        );
        assert_eq!(limiter.admit("a", 3, t + 45), Ok(()), "a new minute");
        assert_eq!(limiter.admit("a", 0, t), Ok(()), "0 is no limit");
    }

    #[test]
    fn the_store_total_counts_other_processes_and_a_failed_exchange_loses_nothing() {
        let limiter = RateLimiter::default();
        let t = 30_000_000 * 60;
        limiter.admit("a", 10, t).unwrap();
        limiter.admit("a", 10, t).unwrap();
        let sent = limiter.take(t);
        assert_eq!(sent[0].count, 2);
        // The exchange failed: the two are pending again.
        limiter.settle(&sent, None);
        let sent = limiter.take(t);
        assert_eq!(sent[0].count, 2);
        // Another process had made 7: the total is 9, one more is admitted, then none.
        limiter.settle(&sent, Some(&[9]));
        assert_eq!(limiter.admit("a", 10, t), Ok(()));
        assert!(limiter.admit("a", 10, t).is_err());
    }
}
