//! The workload format of `kyoyu hub correlate`: `submissions.jsonl`, one submission a line,
//! and the JSON it writes.
//!
//! ```json
//! {"id": "s000123", "member": "m0042", "sector": "manufacturing", "region": "kanto",
//!  "day": 37, "indicators": [{"type": "domain-name", "value": "evil[.]example"}],
//!  "own_domains": ["victim.example"]}
//! ```
//! Key decision: a bad line is a diagnostic with its line number, not a lost file; `member` is
//! taken as given (in a workload folder it is already a pseudonym or a test label).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{ClusterKind, Engine, SubmissionIn};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    member: Cow<'a, str>,
    #[serde(default)]
    day: u32,
    #[serde(borrow)]
    indicators: Vec<Indicator<'a>>,
    #[serde(default, borrow)]
    own_domains: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Indicator<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

/// The longest line taken, in bytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Parses one line (`number` counts from 1, for the message).
pub fn parse_line(number: usize, line: &str) -> Result<SubmissionIn<'_>, String> {
    if line.len() > MAX_LINE_BYTES {
        return Err(format!("line {number}: longer than {MAX_LINE_BYTES} bytes"));
    }
    // plain serde on the hot path; a line that fails is read again with the field's path
    // tracked (`indicators[3].value`), as the incident file reports it
    let parsed: Line = match serde_json::from_str(line) {
        Ok(parsed) => parsed,
        Err(plain) => {
            let mut de = serde_json::Deserializer::from_str(line);
            return Err(match serde_path_to_error::deserialize::<_, Line>(&mut de) {
                Err(e) => {
                    let path = e.path().to_string();
                    format!("line {number}, field {path}: {}", e.into_inner())
                }
                Ok(_) => format!("line {number}: {plain}"),
            });
        }
    };
    Ok(SubmissionIn {
        id: parsed.id,
        member: parsed.member,
        day: parsed.day,
        indicators: parsed
            .indicators
            .into_iter()
            .map(|i| (i.kind, i.value))
            .collect(),
        own_domains: parsed.own_domains,
    })
}

/// What `kyoyu hub correlate` writes.
#[derive(Debug, Serialize)]
pub struct Found {
    /// Campaigns: id → submission ids.
    pub campaigns: BTreeMap<String, Vec<String>>,
    /// Single-member clusters: id → submission ids (never campaigns).
    pub single_member: BTreeMap<String, Vec<String>>,
    /// Each cluster's evidence: kind, members, window, values with their rarity.
    pub evidence: BTreeMap<String, ClusterEvidence>,
    /// Values past the cap, with how many submissions hold them (the most common 100).
    pub over_correlated: Vec<(String, u32)>,
    /// Counts.
    pub stats: Stats,
}

/// One cluster's evidence.
#[derive(Debug, Serialize)]
pub struct ClusterEvidence {
    /// `campaign` or `single_member`.
    pub kind: &'static str,
    /// The distinct members' pseudonyms.
    pub members: Vec<String>,
    /// First and last day.
    pub window: (u32, u32),
    /// The linked values: `[key, submissions holding it, of which in this cluster]`.
    pub values: Vec<(String, u32, u32)>,
}

/// Counts for the operator.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Submissions indexed.
    pub submissions: usize,
    /// (value, submission) pairs indexed.
    pub indicators: usize,
    /// Distinct values.
    pub distinct_values: usize,
    /// Values past the cap.
    pub over_correlated: usize,
}

/// The campaign id as shown: `cluster-<n>`.
pub fn cluster_name(id: u32) -> String {
    format!("cluster-{id}")
}

/// The engine's clusters in the output format.
pub fn found(engine: &Engine) -> Found {
    let mut campaigns = BTreeMap::new();
    let mut single_member = BTreeMap::new();
    let mut evidence = BTreeMap::new();
    for cluster in engine.clusters() {
        let ids = engine.submission_ids(cluster).map(str::to_owned).collect();
        let kind = match cluster.kind {
            ClusterKind::Campaign => {
                campaigns.insert(cluster_name(cluster.id), ids);
                "campaign"
            }
            ClusterKind::SingleMember => {
                single_member.insert(cluster_name(cluster.id), ids);
                "single_member"
            }
        };
        let mut values: Vec<(String, u32, u32)> = engine
            .evidence(cluster)
            .into_iter()
            .map(|e| (e.key.to_owned(), e.submissions, e.in_cluster))
            .collect();
        values.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        evidence.insert(
            cluster_name(cluster.id),
            ClusterEvidence {
                kind,
                members: engine
                    .member_pseudonyms(cluster)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                window: cluster.window,
                values,
            },
        );
    }
    let over = engine.over_correlated();
    Found {
        campaigns,
        single_member,
        evidence,
        stats: Stats {
            submissions: engine.submissions(),
            indicators: engine.indicators(),
            distinct_values: engine.distinct_values(),
            over_correlated: over.len(),
        },
        over_correlated: over
            .into_iter()
            .take(100)
            .map(|(k, n)| (k.to_owned(), n))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_names_its_number_and_field() {
        let line = r#"{"id": "s1", "member": "m1", "indicators": [{"type": "url", "value": "http://a.example/"}, {"type": "url"}]}"#;
        let error = parse_line(7, line).expect_err("refused");
        assert!(error.starts_with("line 7, field indicators[1]"), "{error}");
        assert!(error.contains("value"), "{error}");
        let trailing = r#"{"id": "s1", "member": "m1", "indicators": []} x"#;
        assert!(
            parse_line(8, trailing)
                .expect_err("refused")
                .starts_with("line 8")
        );
        let sub = parse_line(1, r#"{"id": "s1", "member": "m1", "indicators": [{"type": "url", "value": "http://a.example/"}]}"#).unwrap();
        assert_eq!(sub.indicators.len(), 1);
        assert_eq!(sub.day, 0);
    }
}
