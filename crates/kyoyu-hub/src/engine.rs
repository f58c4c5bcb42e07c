//! The correlation engine: a capped index from normalized value to the submissions holding it,
//! and campaigns built from the evidence in it.
//!
//! Key decision: **values are linked, not submissions.** Two values are *linked* when they are
//! seen together in at least `min_shared` submissions and those shared submissions are at least
//! `min_share` of the submissions holding the *more common* of the two. A campaign's values —
//! its C2 domains, sample hashes, beacon URLs — travel together; two random values from a Zipf
//! pool almost never do, and a value shared by many (it passes the `cap`, or is warninglisted,
//! excluded or a false positive) links nothing at all. A *component* of linked values is one
//! piece of infrastructure; its cluster is every submission holding at least two of its values.
//! A cluster from at least `min_members` distinct (pseudonymous) members is a **campaign**; one
//! member repeating itself at least `min_single` times is a **single-member cluster**, never a
//! campaign; anything smaller is not reported. Why this and not "join submissions that share a
//! value": on the hub workload that puts every submission into one component (the SQL baseline
//! in `bench/`), because one shared mid-frequency value is nothing — the co-occurrence of rare
//! values is the evidence.
//!
//! There is no table of pairs: a link is decided from the postings of the two values (at most
//! `cap` submissions each) when one of them changes, and only the links that hold are kept.
//! Incremental and batch building give the same partition — every link is a function of the
//! current counts and postings alone — which a test checks; only ids depend on arrival order.
//! Campaign ids are stable: when evidence changes, a new cluster inherits the id of the old one
//! it shares the most submissions with (the larger new cluster first), and an old id no new
//! cluster inherits is dissolved.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// Keys come from members' submissions: a per-process random seed (foldhash), fast on short
/// keys; the size of what one submission can add is bounded by [`MAX_INDICATORS`].
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use crate::normalize::{self, Kind, NormalizeError};

/// The engine's settings; [`Settings::default`] is what the hub and `kyoyu hub correlate` use.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A value in more submissions than this stops linking and is listed as over-correlated
    /// (MISP's default over-correlation threshold is 20).
    pub cap: u32,
    /// Two values link only when seen together in at least this many submissions.
    pub min_shared: u32,
    /// … and those are at least this share of the submissions holding the more common one.
    pub min_share: f64,
    /// A cluster is a campaign from this many distinct members.
    pub min_members: usize,
    /// One member's cluster is reported from this many submissions.
    pub min_single: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cap: 20,
            min_shared: 2,
            min_share: 0.5,
            min_members: 3,
            min_single: 3,
        }
    }
}

/// One submission as the engine takes it: the submitter already a pseudonym. Borrows where it
/// can (a parsed file's text), owns where it must.
#[derive(Debug, Clone, Default)]
pub struct SubmissionIn<'a> {
    /// The hub's id of the submission.
    pub id: Cow<'a, str>,
    /// The submitter's pseudonym (never the member itself).
    pub member: Cow<'a, str>,
    /// Day of the attack window's start, in days since an epoch the caller chooses.
    pub day: u32,
    /// `(type, value)` as submitted.
    pub indicators: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Domains the submitter declared its own: values under them go to review, not correlation.
    pub own_domains: Vec<Cow<'a, str>>,
}

/// Why a value does not link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// It may link.
    Open,
    /// On a MISP warninglist (the list's name).
    Warninglisted(String),
    /// Matches an operator exclusion (the pattern).
    Excluded(String),
    /// An analyst's false-positive verdict.
    FalsePositive,
    /// Looks victim-specific (an internal address, a victim id): held for review.
    Held(&'static str),
}

/// A value held back from correlation for an analyst to review (guidance G6 on the hub side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    /// The normalized key.
    pub key: String,
    /// Why it looks victim-specific.
    pub reason: &'static str,
}

/// What happened to one submission.
#[derive(Debug, Clone, Default)]
pub struct Admitted {
    /// Distinct normalized values indexed.
    pub values: usize,
    /// Values held for review instead of correlation.
    pub review: Vec<ReviewItem>,
    /// Values that do not link and why (warninglisted, excluded, false positive).
    pub ignored: Vec<(String, Standing)>,
    /// Indicators that could not be normalized.
    pub invalid: Vec<NormalizeError>,
    /// Reported clusters the submission is in now.
    pub clusters: Vec<u32>,
    /// What changed among the reported clusters.
    pub changes: Changes,
}

/// Reported clusters created, changed and dissolved by one step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// New ids.
    pub created: Vec<u32>,
    /// Ids whose submissions or values changed.
    pub changed: Vec<u32>,
    /// Ids that are gone (split below the thresholds, merged into another, or withdrawn).
    pub dissolved: Vec<u32>,
}

/// What a reported cluster is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterKind {
    /// Distinct members: a campaign.
    Campaign,
    /// One member repeating itself.
    SingleMember,
}

/// A reported cluster with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Stable id.
    pub id: u32,
    /// Campaign or single-member cluster.
    pub kind: ClusterKind,
    /// The linked values (indices into the engine's values).
    values: Vec<u32>,
    /// The submissions (indices), sorted.
    subs: Vec<u32>,
    /// Distinct members.
    pub members: usize,
    /// First and last day of its submissions.
    pub window: (u32, u32),
}

/// One piece of a cluster's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence<'a> {
    /// The normalized key.
    pub key: &'a str,
    /// Submissions holding it (how rare it is).
    pub submissions: u32,
    /// Of which in this cluster.
    pub in_cluster: u32,
}

struct Value {
    key: Box<str>,
    df: u32,
    postings: Vec<u32>,
    standing: Standing,
    over: bool,
    /// An address or network value as numbers, parsed once (CIDR containment).
    number: Option<Numbered>,
}

struct Sub {
    id: Box<str>,
    member: u32,
    day: u32,
    values: Vec<u32>,
}

/// Normalizes submissions and screens their values against the MISP warninglists and the
/// submitter's own domains, before the engine indexes them. Pure and independent of the
/// engine's state, so a batch can be prepared on several threads (one `Preparer` each). Each
/// distinct value gets a local number, so the engine interns it once per preparer rather than
/// once per occurrence; raw text → numbers is cached (bounded).
#[derive(Default)]
pub struct Preparer {
    cache: Vec<(Box<str>, RawCache)>,
    cached: usize,
    values: Vec<PreparedValue>,
    by_key: HashMap<Box<str>, u32>,
}

/// Raw indicator text of one type → the local numbers of its values.
type RawCache = HashMap<Box<str>, Box<[u32]>>;

/// Submissions a [`Preparer`] prepared, with it (their values are its local numbers).
pub struct Batch<'a> {
    preparer: Preparer,
    subs: Vec<Result<Prepared<'a>, EngineError>>,
}

impl<'a> Batch<'a> {
    /// A batch of what `preparer` prepared.
    pub fn new(preparer: Preparer, subs: Vec<Result<Prepared<'a>, EngineError>>) -> Self {
        Batch { preparer, subs }
    }
}

/// One normalized value and its standing from the screening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedValue {
    /// `kind:value`.
    pub key: Box<str>,
    /// `Open`, `Warninglisted` or `Held`.
    pub standing: Standing,
}

/// A submission after [`Preparer::prepare`].
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    id: Cow<'a, str>,
    member: Cow<'a, str>,
    day: u32,
    values: Vec<u32>,
    review: Vec<ReviewItem>,
    invalid: Vec<NormalizeError>,
}

impl Preparer {
    /// Normalizes and screens one submission.
    pub fn prepare<'a>(&mut self, sub: SubmissionIn<'a>) -> Result<Prepared<'a>, EngineError> {
        if sub.indicators.len() > MAX_INDICATORS {
            return Err(EngineError::TooLarge {
                id: sub.id.into_owned(),
                count: sub.indicators.len(),
                max: MAX_INDICATORS,
            });
        }
        let own: Vec<String> = sub
            .own_domains
            .iter()
            .filter_map(|d| normalize::normalize("domain-name", d).ok())
            .flat_map(|v| v.into_iter().map(|n| n.value))
            .collect();
        let mut out = Prepared {
            id: sub.id,
            member: sub.member,
            day: sub.day,
            values: Vec::with_capacity(sub.indicators.len()),
            review: Vec::new(),
            invalid: Vec::new(),
        };
        for (kind, raw) in &sub.indicators {
            let slot = match self.cache.iter().position(|(k, _)| **k == **kind) {
                Some(slot) => slot,
                None => {
                    self.cache.push((kind.as_ref().into(), HashMap::default()));
                    self.cache.len() - 1
                }
            };
            if own.is_empty()
                && let Some(values) = self.cache[slot].1.get(raw.as_ref())
            {
                out.values.extend_from_slice(values);
                continue;
            }
            match normalize::normalize(kind, raw) {
                Ok(norms) => {
                    let mut values = Vec::with_capacity(norms.len());
                    for n in norms {
                        if let Some(reason) = victim_specific(&n.kind, &n.value, &own) {
                            out.review.push(ReviewItem {
                                key: n.key(),
                                reason,
                            });
                            continue;
                        }
                        let key = n.key();
                        let local = match self.by_key.get(key.as_str()) {
                            Some(&local) => local,
                            None => {
                                let local = self.values.len() as u32;
                                let standing = screen(&n.kind, &n.value);
                                let key: Box<str> = key.into_boxed_str();
                                self.by_key.insert(key.clone(), local);
                                self.values.push(PreparedValue { key, standing });
                                local
                            }
                        };
                        values.push(local);
                    }
                    // own-domain holds depend on the submitter: only cache what does not
                    if own.is_empty() && self.cached < NORMALIZED_CACHE {
                        self.cached += 1;
                        self.cache[slot]
                            .1
                            .insert(raw.as_ref().into(), values.clone().into_boxed_slice());
                    }
                    out.values.extend(values);
                }
                Err(e) => out.invalid.push(e),
            }
        }
        Ok(out)
    }
}

/// A value's standing from the MISP warninglists: listed values never link; an internal address
/// is held for review (it points at the victim's network).
fn screen(kind: &Kind, value: &str) -> Standing {
    if !kind.warninglisted() {
        return Standing::Open;
    }
    use kyoyu_scan::warninglist::IocValue;
    let ioc = match kind {
        Kind::Ipv4 | Kind::Ipv6 => value.parse().ok().map(IocValue::Ip),
        Kind::Cidr => value
            .parse::<ipnet::IpNet>()
            .ok()
            .map(|net| IocValue::Ip(net.addr())),
        Kind::Hash(_) => Some(IocValue::Hash(value.to_owned())),
        Kind::Domain => Some(IocValue::Domain(value.to_owned())),
        Kind::Email => value.rsplit_once('@').map(|(_, domain)| IocValue::Email {
            address: value.to_owned(),
            domain: domain.to_owned(),
        }),
        _ => None,
    }
    .unwrap_or_else(|| IocValue::classify(value));
    let mut standing = Standing::Open;
    for hit in kyoyu_scan::warninglist::builtin().check_value(&ioc) {
        match hit {
            kyoyu_scan::warninglist::HitReason::InternalAddress { .. } => {
                return Standing::Held("internal address");
            }
            other => standing = Standing::Warninglisted(other.to_string()),
        }
    }
    standing
}

/// The engine: build with [`Engine::new`], feed with [`Engine::add`] (one at a time, as the
/// hub's job does) or [`Engine::add_all`] (a batch, as `kyoyu hub correlate` and the rebuild at
/// start do).
pub struct Engine {
    settings: Settings,
    values: Vec<Value>,
    by_key: HashMap<Box<str>, u32>,
    preparer: Preparer,
    /// The engine's own preparer's local numbers → value ids.
    local: Vec<u32>,
    subs: Vec<Sub>,
    by_sub_id: HashMap<Box<str>, u32>,
    members: HashMap<Box<str>, u32>,
    adj: Vec<Vec<u32>>,
    exclusions: Vec<String>,
    clusters: BTreeMap<u32, Cluster>,
    value_cluster: Vec<u32>,
    /// CIDR values: (IPv6?, prefix length, network → value).
    cidrs: Vec<(bool, u8, HashMap<u128, u32>)>,
    /// Address values by number, for CIDRs that arrive after them.
    addresses: BTreeMap<(bool, u128), u32>,
    /// CIDR values created since the last index step.
    new_cidrs: Vec<u32>,
    next_id: u32,
    scratch: Vec<u32>,
    sub_count: Vec<u32>,
    mark: Vec<u32>,
    epoch: u32,
}

const NONE: u32 = u32::MAX;
/// The cache of raw indicator text → values stops growing here (the index itself does not).
const NORMALIZED_CACHE: usize = 1 << 20;

/// Why a submission was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The id is already taken: submissions are immutable.
    #[error("submission {0:?} exists already")]
    Duplicate(String),
    /// Too many indicators in one submission.
    #[error("submission {id:?} has {count} indicators; at most {max} are taken")]
    TooLarge {
        /// The id.
        id: String,
        /// How many it had.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// Indicators taken per submission.
pub const MAX_INDICATORS: usize = 10_000;

impl Engine {
    /// An empty engine.
    pub fn new(settings: Settings) -> Self {
        Engine {
            settings,
            values: Vec::new(),
            by_key: HashMap::default(),
            preparer: Preparer::default(),
            local: Vec::new(),
            subs: Vec::new(),
            by_sub_id: HashMap::default(),
            members: HashMap::default(),
            adj: Vec::new(),
            exclusions: Vec::new(),
            clusters: BTreeMap::new(),
            value_cluster: Vec::new(),
            cidrs: Vec::new(),
            addresses: BTreeMap::new(),
            new_cidrs: Vec::new(),
            next_id: 1,
            scratch: Vec::new(),
            sub_count: Vec::new(),
            mark: Vec::new(),
            epoch: 0,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Submissions indexed.
    pub fn submissions(&self) -> usize {
        self.subs.len()
    }

    /// (value, submission) pairs indexed.
    pub fn indicators(&self) -> usize {
        self.subs.iter().map(|s| s.values.len()).sum()
    }

    /// Distinct values indexed.
    pub fn distinct_values(&self) -> usize {
        self.values.len()
    }

    /// Adds one submission and reassigns what it touches.
    pub fn add(&mut self, sub: SubmissionIn<'_>) -> Result<Admitted, EngineError> {
        let prepared = self.preparer.prepare(sub)?;
        let mut local = std::mem::take(&mut self.local);
        let preparer = std::mem::take(&mut self.preparer);
        let result = self.index(prepared, &preparer, &mut local);
        self.preparer = preparer;
        self.local = local;
        let (index, mut admitted) = result?;
        let mut seeds = Vec::new();
        for &v in &self.subs[index as usize].values.clone() {
            seeds.push(v);
            seeds.extend(self.relink(v));
        }
        admitted.changes = self.recompute(&seeds);
        admitted.clusters = self.clusters_of(index);
        Ok(admitted)
    }

    /// Adds many submissions, then builds every link and cluster once. Gives the same clusters
    /// as adding them one by one. The batches' submissions are taken; their preparers stay with
    /// the caller (dropping hundreds of thousands of cached keys is the caller's time to choose).
    pub fn add_all<'a>(
        &mut self,
        batches: &mut [Batch<'a>],
    ) -> (Vec<Result<Admitted, EngineError>>, Changes) {
        let mut results = Vec::new();
        for batch in batches.iter_mut() {
            let mut local = Vec::new();
            for sub in std::mem::take(&mut batch.subs) {
                results.push(
                    sub.and_then(|s| self.index(s, &batch.preparer, &mut local).map(|(_, a)| a)),
                );
            }
        }
        let all: Vec<u32> = (0..self.values.len() as u32).collect();
        if self.adj.iter().all(Vec::is_empty) {
            self.link_all();
        } else {
            for &v in &all {
                self.relink(v);
            }
        }
        let changes = self.recompute(&all);
        (results, changes)
    }

    /// Indexes a prepared submission without relinking.
    fn index(
        &mut self,
        sub: Prepared<'_>,
        preparer: &Preparer,
        local: &mut Vec<u32>,
    ) -> Result<(u32, Admitted), EngineError> {
        if self.by_sub_id.contains_key(sub.id.as_ref()) {
            return Err(EngineError::Duplicate(sub.id.into_owned()));
        }
        let mut admitted = Admitted {
            review: sub.review,
            invalid: sub.invalid,
            ..Admitted::default()
        };
        let index = self.subs.len() as u32;
        let mut values: Vec<u32> = Vec::with_capacity(sub.values.len());
        if local.len() < preparer.values.len() {
            local.resize(preparer.values.len(), NONE);
        }
        for &l in &sub.values {
            let mut id = local[l as usize];
            if id == NONE {
                id = self.value_id(&preparer.values[l as usize]);
                local[l as usize] = id;
            }
            values.push(id);
        }
        values.sort_unstable();
        values.dedup();
        self.contain(index, &mut values);
        let members = self.members.len() as u32;
        let member = *self
            .members
            .entry(sub.member.into_owned().into_boxed_str())
            .or_insert(members);
        for &v in &values {
            let value = &mut self.values[v as usize];
            value.df += 1;
            match &value.standing {
                Standing::Open | Standing::Held(_) => {}
                other => {
                    admitted
                        .ignored
                        .push((value.key.to_string(), other.clone()));
                }
            }
            if let Standing::Held(reason) = value.standing {
                admitted.review.push(ReviewItem {
                    key: value.key.to_string(),
                    reason,
                });
            }
            if value.df > self.settings.cap {
                if !value.over {
                    value.over = true;
                    value.postings = Vec::new();
                }
            } else if !matches!(value.standing, Standing::Warninglisted(_)) {
                value.postings.push(index);
            }
        }
        admitted.values = values.len();
        let id: Box<str> = sub.id.into_owned().into_boxed_str();
        self.by_sub_id.insert(id.clone(), index);
        self.subs.push(Sub {
            id,
            member,
            day: sub.day,
            values,
        });
        Ok((index, admitted))
    }

    fn value_id(&mut self, prepared: &PreparedValue) -> u32 {
        let key = &*prepared.key;
        if let Some(&id) = self.by_key.get(key) {
            return id;
        }
        let id = self.values.len() as u32;
        let value = key.split_once(':').map_or(key, |(_, v)| v);
        let mut standing = prepared.standing.clone();
        if standing == Standing::Open
            && let Some(pattern) = self.exclusions.iter().find(|p| excluded(p, key, value))
        {
            standing = Standing::Excluded(pattern.clone());
        }
        let number = address_of(key);
        self.values.push(Value {
            key: key.into(),
            df: 0,
            postings: Vec::new(),
            standing,
            over: false,
            number,
        });
        self.adj.push(Vec::new());
        self.value_cluster.push(NONE);
        self.scratch.push(0);
        self.mark.push(0);
        self.by_key.insert(key.into(), id);
        match number {
            Some(Numbered::Address(v6, bits)) => {
                self.addresses.insert((v6, bits), id);
            }
            Some(Numbered::Network(v6, bits, prefix)) => {
                match self
                    .cidrs
                    .iter_mut()
                    .find(|(f, p, _)| *f == v6 && *p == prefix)
                {
                    Some((_, _, map)) => {
                        map.insert(bits, id);
                    }
                    None => {
                        let mut map = HashMap::default();
                        map.insert(bits, id);
                        self.cidrs.push((v6, prefix, map));
                    }
                }
                self.new_cidrs.push(id);
            }
            None => {}
        }
        id
    }

    /// CIDR containment: a submission holding an address also holds every CIDR value that
    /// contains it; a new CIDR value is added to the earlier submissions holding addresses in
    /// it (through their postings: an address past the cap makes the CIDR past the cap too).
    fn contain(&mut self, index: u32, values: &mut Vec<u32>) {
        if self.cidrs.is_empty() {
            return;
        }
        let mut extra = Vec::new();
        for &v in values.iter() {
            if let Some(Numbered::Address(v6, bits)) = self.values[v as usize].number {
                let width = if v6 { 128 } else { 32 };
                for (family, prefix, map) in &self.cidrs {
                    if *family == v6 {
                        let network = mask(bits, *prefix, width);
                        if let Some(&c) = map.get(&network) {
                            extra.push(c);
                        }
                    }
                }
            }
        }
        for cidr in std::mem::take(&mut self.new_cidrs) {
            let Some(Numbered::Network(v6, bits, prefix)) = self.values[cidr as usize].number
            else {
                continue;
            };
            let width = if v6 { 128 } else { 32 };
            let last = bits | hostmask(width - u32::from(prefix));
            let inside: Vec<u32> = self
                .addresses
                .range((v6, bits)..=(v6, last))
                .map(|(_, &a)| a)
                .collect();
            for a in inside {
                if self.values[a as usize].over {
                    self.values[cidr as usize].over = true;
                    self.values[cidr as usize].postings = Vec::new();
                }
                let holders = self.values[a as usize].postings.clone();
                for s in holders {
                    if s == index {
                        continue;
                    }
                    let list = &mut self.subs[s as usize].values;
                    if let Err(at) = list.binary_search(&cidr) {
                        list.insert(at, cidr);
                        let value = &mut self.values[cidr as usize];
                        value.df += 1;
                        if value.df > self.settings.cap {
                            value.over = true;
                            value.postings = Vec::new();
                        } else if !value.over {
                            let at = value.postings.binary_search(&s).unwrap_or_else(|e| e);
                            value.postings.insert(at, s);
                        }
                    }
                }
            }
        }
        if !extra.is_empty() {
            values.extend(extra);
            values.sort_unstable();
            values.dedup();
        }
    }

    fn linkable(&self, v: u32) -> bool {
        let value = &self.values[v as usize];
        value.standing == Standing::Open && !value.over && value.df >= 2
    }

    /// Every link at once, from an engine without links: the values are split between threads
    /// (each pair decided once, from its lower value), then the adjacency is filled both ways.
    fn link_all(&mut self) {
        let n = self.values.len();
        let linkable: Vec<bool> = (0..n as u32).map(|v| self.linkable(v)).collect();
        let sub_links: Vec<Vec<u32>> = self
            .subs
            .iter()
            .map(|s| {
                s.values
                    .iter()
                    .copied()
                    .filter(|&v| linkable[v as usize])
                    .collect()
            })
            .collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, |p| p.get())
            .clamp(1, 4);
        let values = &self.values;
        let settings = &self.settings;
        let (linkable, sub_links) = (&linkable, &sub_links);
        let links_in = |from: usize, to: usize| {
            let mut scratch = vec![0u32; n];
            let mut touched = Vec::new();
            let mut pairs = Vec::new();
            for v in from..to {
                if !linkable[v] {
                    continue;
                }
                for &s in &values[v].postings {
                    for &w in &sub_links[s as usize] {
                        if w as usize > v {
                            if scratch[w as usize] == 0 {
                                touched.push(w);
                            }
                            scratch[w as usize] += 1;
                        }
                    }
                }
                for w in touched.drain(..) {
                    let shared = std::mem::take(&mut scratch[w as usize]);
                    if links(settings, shared, values[v].df, values[w as usize].df) {
                        pairs.push((v as u32, w));
                    }
                }
            }
            pairs
        };
        // lower values have more partners above them: cut the range so the work is even-ish
        let cuts: Vec<usize> = (0..=threads)
            .map(|i| {
                let share = i as f64 / threads as f64;
                (n as f64 * (1.0 - (1.0 - share).sqrt())) as usize
            })
            .collect();
        let parts: Vec<Vec<(u32, u32)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = cuts
                .windows(2)
                .map(|w| {
                    let (from, to) = (w[0], w[1]);
                    scope.spawn(move || links_in(from, to))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("linking does not panic"))
                .collect()
        });
        for (v, w) in parts.into_iter().flatten() {
            self.adj[v as usize].push(w);
            self.adj[w as usize].push(v);
        }
        for list in &mut self.adj {
            list.sort_unstable();
        }
    }

    /// The values `v` links to now.
    fn links_of(&mut self, v: u32) -> Vec<u32> {
        if !self.linkable(v) {
            return Vec::new();
        }
        let mut touched = Vec::new();
        let value = &self.values[v as usize];
        for &s in &value.postings {
            for &w in &self.subs[s as usize].values {
                if w != v && self.linkable(w) {
                    let slot = &mut self.scratch[w as usize];
                    if *slot == 0 {
                        touched.push(w);
                    }
                    *slot += 1;
                }
            }
        }
        let df_v = self.values[v as usize].df;
        let mut found = Vec::new();
        for w in touched {
            let shared = std::mem::take(&mut self.scratch[w as usize]);
            if links(&self.settings, shared, df_v, self.values[w as usize].df) {
                found.push(w);
            }
        }
        found.sort_unstable();
        found
    }

    /// Re-decides `v`'s links; returns the values it no longer links to.
    fn relink(&mut self, v: u32) -> Vec<u32> {
        let new = self.links_of(v);
        let old = std::mem::take(&mut self.adj[v as usize]);
        // every adjacency list stays sorted: partners' lists are edited in place
        let mut lost = Vec::new();
        for &w in &old {
            if new.binary_search(&w).is_err() {
                let list = &mut self.adj[w as usize];
                if let Ok(at) = list.binary_search(&v) {
                    list.remove(at);
                }
                lost.push(w);
            }
        }
        for &w in &new {
            if old.binary_search(&w).is_err() {
                let list = &mut self.adj[w as usize];
                if let Err(at) = list.binary_search(&v) {
                    list.insert(at, v);
                }
            }
        }
        self.adj[v as usize] = new;
        lost
    }

    /// Rebuilds the reported clusters around `seeds`: their components now, and every cluster
    /// that held one of them before.
    fn recompute(&mut self, seeds: &[u32]) -> Changes {
        self.epoch += 1;
        let epoch = self.epoch;
        let mut components: Vec<Vec<u32>> = Vec::new();
        let mut old_ids: Vec<u32> = Vec::new();
        for &seed in seeds {
            if self.mark[seed as usize] == epoch {
                continue;
            }
            self.mark[seed as usize] = epoch;
            let mut component = vec![seed];
            let mut at = 0;
            while at < component.len() {
                let v = component[at];
                at += 1;
                for i in 0..self.adj[v as usize].len() {
                    let w = self.adj[v as usize][i];
                    if self.mark[w as usize] != epoch {
                        self.mark[w as usize] = epoch;
                        component.push(w);
                    }
                }
            }
            for &v in &component {
                let old = self.value_cluster[v as usize];
                if old != NONE {
                    old_ids.push(old);
                }
            }
            if component.len() >= 2 {
                components.push(component);
            }
        }
        old_ids.sort_unstable();
        old_ids.dedup();
        // every value of an old cluster around the seeds is in `components` now or alone
        let mut fresh: Vec<Cluster> = components
            .into_iter()
            .filter_map(|c| self.cluster_of(c))
            .collect();
        fresh.sort_by(|a, b| {
            b.subs
                .len()
                .cmp(&a.subs.len())
                .then(a.subs.first().cmp(&b.subs.first()))
        });
        let mut old: Vec<Option<Cluster>> =
            old_ids.iter().map(|id| self.clusters.remove(id)).collect();
        for cluster in old.iter().flatten() {
            for &v in &cluster.values {
                self.value_cluster[v as usize] = NONE;
            }
        }
        let mut changes = Changes::default();
        for mut cluster in fresh {
            let best = old
                .iter()
                .enumerate()
                .filter_map(|(i, o)| o.as_ref().map(|o| (i, overlap(&o.subs, &cluster.subs))))
                .filter(|&(_, n)| n > 0)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
            match best {
                Some((i, _)) => {
                    let previous = old[i].take().expect("chosen above");
                    cluster.id = previous.id;
                    if previous != cluster {
                        changes.changed.push(cluster.id);
                    }
                }
                None => {
                    cluster.id = self.next_id;
                    self.next_id += 1;
                    changes.created.push(cluster.id);
                }
            }
            for &v in &cluster.values {
                self.value_cluster[v as usize] = cluster.id;
            }
            self.clusters.insert(cluster.id, cluster);
        }
        changes
            .dissolved
            .extend(old.into_iter().flatten().map(|c| c.id));
        changes.created.sort_unstable();
        changes.changed.sort_unstable();
        changes.dissolved.sort_unstable();
        changes
    }

    /// The reported cluster of a component of linked values, if it qualifies.
    fn cluster_of(&mut self, mut values: Vec<u32>) -> Option<Cluster> {
        values.sort_unstable();
        if self.sub_count.len() < self.subs.len() {
            self.sub_count.resize(self.subs.len(), 0);
        }
        let mut touched = Vec::new();
        for &v in &values {
            for &s in &self.values[v as usize].postings {
                let slot = &mut self.sub_count[s as usize];
                if *slot == 0 {
                    touched.push(s);
                }
                *slot += 1;
            }
        }
        let mut subs = Vec::new();
        for s in touched {
            if std::mem::take(&mut self.sub_count[s as usize]) >= 2 {
                subs.push(s);
            }
        }
        subs.sort_unstable();
        let mut members: Vec<u32> = subs.iter().map(|&s| self.subs[s as usize].member).collect();
        members.sort_unstable();
        members.dedup();
        let kind = if members.len() >= self.settings.min_members {
            ClusterKind::Campaign
        } else if members.len() == 1 && subs.len() >= self.settings.min_single {
            ClusterKind::SingleMember
        } else {
            return None;
        };
        let days = subs.iter().map(|&s| self.subs[s as usize].day);
        let window = (days.clone().min()?, days.max()?);
        Some(Cluster {
            id: 0,
            kind,
            values,
            subs,
            members: members.len(),
            window,
        })
    }

    /// The reported clusters a submission is in.
    fn clusters_of(&self, s: u32) -> Vec<u32> {
        let mut ids: Vec<u32> = self.subs[s as usize]
            .values
            .iter()
            .map(|&v| self.value_cluster[v as usize])
            .filter(|&id| id != NONE)
            .filter(|id| {
                self.clusters
                    .get(id)
                    .is_some_and(|c| c.subs.binary_search(&s).is_ok())
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Every reported cluster, by id.
    pub fn clusters(&self) -> impl Iterator<Item = &Cluster> {
        self.clusters.values()
    }

    /// One cluster.
    pub fn cluster(&self, id: u32) -> Option<&Cluster> {
        self.clusters.get(&id)
    }

    /// A cluster's submissions, by their ids.
    pub fn submission_ids<'a>(&'a self, cluster: &'a Cluster) -> impl Iterator<Item = &'a str> {
        cluster.subs.iter().map(|&s| &*self.subs[s as usize].id)
    }

    /// A cluster's evidence: its values, how rare each is, how many of its submissions hold it.
    pub fn evidence<'a>(&'a self, cluster: &'a Cluster) -> Vec<Evidence<'a>> {
        cluster
            .values
            .iter()
            .map(|&v| {
                let value = &self.values[v as usize];
                let in_cluster = value
                    .postings
                    .iter()
                    .filter(|s| cluster.subs.binary_search(s).is_ok())
                    .count() as u32;
                Evidence {
                    key: &value.key,
                    submissions: value.df,
                    in_cluster,
                }
            })
            .collect()
    }

    /// The pseudonyms of a cluster's members, sorted.
    pub fn member_pseudonyms<'a>(&'a self, cluster: &Cluster) -> Vec<&'a str> {
        let mut ids: Vec<u32> = cluster
            .subs
            .iter()
            .map(|&s| self.subs[s as usize].member)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut names: Vec<&str> = self
            .members
            .iter()
            .filter(|(_, id)| ids.binary_search(id).is_ok())
            .map(|(name, _)| &**name)
            .collect();
        names.sort_unstable();
        names
    }

    /// Values past the cap: `(key, submissions holding it)`, most common first.
    pub fn over_correlated(&self) -> Vec<(&str, u32)> {
        let mut out: Vec<(&str, u32)> = self
            .values
            .iter()
            .filter(|v| v.over && v.standing == Standing::Open)
            .map(|v| (&*v.key, v.df))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out
    }

    /// A value's standing and count, by its normalized key.
    pub fn value(&self, key: &str) -> Option<(&Standing, u32, bool)> {
        let v = *self.by_key.get(key)?;
        let value = &self.values[v as usize];
        Some((&value.standing, value.df, value.over))
    }

    /// An operator exclusion (`*` any text, `?` one character) against the value or its key:
    /// matching values stop linking and the clusters that depended on them are rebuilt.
    pub fn exclude(&mut self, pattern: &str) -> Changes {
        let pattern = pattern.trim().to_lowercase();
        let mut seeds = Vec::new();
        for v in 0..self.values.len() as u32 {
            let value = &self.values[v as usize];
            if value.standing != Standing::Open {
                continue;
            }
            let text = value.key.split_once(':').map_or(&*value.key, |(_, t)| t);
            if excluded(&pattern, &value.key, text) {
                self.values[v as usize].standing = Standing::Excluded(pattern.clone());
                seeds.push(v);
            }
        }
        self.exclusions.push(pattern);
        self.relink_around(seeds)
    }

    /// An analyst's false-positive verdict on a value (by key or as written with its type).
    pub fn false_positive(&mut self, key: &str) -> Option<Changes> {
        let v = *self.by_key.get(key)?;
        self.values[v as usize].standing = Standing::FalsePositive;
        Some(self.relink_around(vec![v]))
    }

    /// Releases a held value into correlation after review.
    pub fn release(&mut self, key: &str) -> Option<Changes> {
        let v = *self.by_key.get(key)?;
        if !matches!(self.values[v as usize].standing, Standing::Held(_)) {
            return None;
        }
        self.values[v as usize].standing = Standing::Open;
        Some(self.relink_around(vec![v]))
    }

    /// Re-decides the links of `values` (their standing changed) and rebuilds the clusters
    /// around them and their former partners; a link is symmetric, so the partners' own links
    /// need no second look.
    fn relink_around(&mut self, values: Vec<u32>) -> Changes {
        let mut seeds = Vec::new();
        for v in values {
            seeds.push(v);
            seeds.extend(self.relink(v));
        }
        self.recompute(&seeds)
    }

    /// The operator exclusions in force.
    pub fn exclusions(&self) -> &[String] {
        &self.exclusions
    }
}

/// An address or a network, as numbers (IPv4 in the low 32 bits).
#[derive(Debug, Clone, Copy)]
enum Numbered {
    Address(bool, u128),
    Network(bool, u128, u8),
}

fn address_of(key: &str) -> Option<Numbered> {
    let (kind, text) = key.split_once(':')?;
    let number = |ip: std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v4) => (false, u128::from(u32::from(v4))),
        std::net::IpAddr::V6(v6) => (true, u128::from(v6)),
    };
    match kind {
        "ipv4" | "ipv6" => {
            let (v6, bits) = number(text.parse().ok()?);
            Some(Numbered::Address(v6, bits))
        }
        "cidr" => {
            let net: ipnet::IpNet = text.parse().ok()?;
            let (v6, bits) = number(net.network());
            Some(Numbered::Network(v6, bits, net.prefix_len()))
        }
        _ => None,
    }
}

fn mask_all(width: u32) -> u128 {
    if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

/// The low `host` bits set.
fn hostmask(host: u32) -> u128 {
    if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    }
}

/// The network of `bits` at `prefix` within an address `width` bits wide.
fn mask(bits: u128, prefix: u8, width: u32) -> u128 {
    bits & !hostmask(width - u32::from(prefix)) & mask_all(width)
}

/// The rule: seen together in at least `min_shared` submissions, which are at least
/// `min_share` of the submissions holding the commoner of the two values.
fn links(settings: &Settings, shared: u32, df_v: u32, df_w: u32) -> bool {
    shared >= settings.min_shared
        && f64::from(shared) >= settings.min_share * f64::from(df_v.max(df_w))
}

/// Submissions two sorted lists share.
fn overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Whether a value looks specific to the victim that submitted it.
fn victim_specific(kind: &Kind, value: &str, own: &[String]) -> Option<&'static str> {
    let under_own = |host: &str| {
        own.iter().any(|d| {
            host == d
                || host
                    .strip_suffix(d.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    };
    match kind {
        Kind::Domain if under_own(value) => Some("the submitter's own domain"),
        Kind::Email if value.rsplit_once('@').is_some_and(|(_, h)| under_own(h)) => {
            Some("an address at the submitter's own domain")
        }
        // parsing the URL again only when there is a domain to compare with
        Kind::Url if !own.is_empty() => {
            let host = url::Url::parse(value)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            host.filter(|h| under_own(h))
                .map(|_| "a URL on the submitter's own domain")
        }
        Kind::Other(t) if matches!(t.as_str(), "victim-id" | "ransom-victim-id" | "victim_id") => {
            Some("a ransom note's victim id")
        }
        _ => None,
    }
}

/// `*` any text, `?` one character, the pattern lower case ([`Engine::exclude`] keeps it so);
/// against the value text or the whole `kind:value` key.
fn excluded(pattern: &str, key: &str, value: &str) -> bool {
    wildcard(pattern, &key.to_lowercase()) || wildcard(pattern, &value.to_lowercase())
}

/// Glob match with `*` and `?`, linear with one backtrack point.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}
