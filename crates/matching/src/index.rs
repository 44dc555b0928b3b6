//! Blocking index over the existing persons (PRO-3 at scale).
//!
//! Every person is filed under several blocking keys; a prospect is compared only with the
//! persons that share at least one key with it. The keys are chosen so that a typing error in
//! any single field still leaves at least one shared key:
//!
//! | key | parts | survives a typo in |
//! |---|---|---|
//! | 0 | first name, surname, birth date exactly as entered (the legacy key) | – |
//! | 1 | Kölner code of surname + birth year | first name, day/month |
//! | 2 | Kölner code of first name + birth date, and of surname + birth date | either name; swapped names |
//! | 3 | first 3 letters of surname + postcode | first name, birth date |
//! | 4 | e-mail (normalised) | names, birth date |
//! | 5 | phone (normalised) | names, birth date |
//! | 6 | Kölner codes of first name and surname, unordered | birth date; swapped names |
//! | 7 | birth date + first letter of surname | first name, rest of surname |
//! | 8 | birth date + first letter of first name | surname, rest of first name |
//! | 9 | first 3 letters of first name + postcode | surname, birth date |
//! | 10 | birth date + postcode | both names |
//!
//! Postings live in one sorted array of `(key hash, slot)` (12 bytes each) rather than in a
//! hash map of vectors, which would cost about 60 bytes for each of the millions of one-person
//! blocks. Updates go to a small delta map that [`PersonIndex::compact`] folds back in.
//!
//! Cost is bounded by [`BlockingLimits`]: a block with more than `max_block` persons (e.g.
//! "Thomas Müller" without birth date in a very large stock) carries little information and is
//! skipped, and at most `max_candidates` persons are scored per prospect, smallest blocks first.

use crate::MatchError;
use crate::compare::decide_views;
use crate::config::MatchConfig;
use crate::decision::Decision;
use crate::entry::{EntryKind, Flat, FlatBox, FlatKind, Interner, Owned, View};
use crate::record::PersonRecord;
use chrono::{Datelike, NaiveDate};
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use std::sync::Arc;

/// Bounds on the work per prospect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockingLimits {
    /// A block (persons sharing one key) larger than this is skipped (default 1,000).
    pub max_block: usize,
    /// At most this many persons are scored per prospect (default 2,000).
    pub max_candidates: usize,
}

impl Default for BlockingLimits {
    fn default() -> Self {
        BlockingLimits {
            max_block: 1_000,
            max_candidates: 2_000,
        }
    }
}

/// Separator of the flat fields inside [`Stored::flats`]; removed from input values.
const SEP: char = '\u{1f}';

/// One indexed person: 56 bytes plus its ID and flat text.
#[derive(Debug)]
struct Stored {
    id: Arc<str>,
    first: u32,
    surname: u32,
    city: u32,
    birth: Option<NaiveDate>,
    /// e-mail, phone, street, postcode: raw and normalised (empty when equal to raw), joined
    /// by [`SEP`]: one allocation instead of eight.
    flats: Box<str>,
}

/// Index of existing persons for the duplicate check.
#[derive(Debug)]
pub struct PersonIndex {
    limits: BlockingLimits,
    records: Vec<Option<Stored>>,
    live: usize,
    by_id: FxHashMap<Arc<str>, u32>,
    /// Sorted postings: key hashes and, in the same order, slots.
    keys: Vec<u64>,
    slots: Vec<u32>,
    /// Directory over `keys` by their top `dir_bits` bits: bucket `b` spans
    /// `keys[dir[b]..dir[b + 1]]`, so a look-up is one directory read and a short search.
    dir: Vec<u32>,
    dir_bits: u32,
    /// Postings added since the last compaction.
    delta: FxHashMap<u64, Vec<u32>>,
    delta_len: usize,
    first: Interner,
    surname: Interner,
    city: Interner,
}

impl Default for PersonIndex {
    fn default() -> Self {
        PersonIndex::new()
    }
}

impl FromIterator<PersonRecord> for PersonIndex {
    fn from_iter<I: IntoIterator<Item = PersonRecord>>(iter: I) -> Self {
        PersonIndex::build(iter, BlockingLimits::default())
    }
}

fn hash_parts(tag: u8, parts: &[&[u8]]) -> u64 {
    let mut h = FxHasher::default();
    h.write_u8(tag);
    for p in parts {
        h.write(p);
        h.write_u8(0xff);
    }
    h.finish()
}

fn date_bytes(d: Option<NaiveDate>) -> [u8; 4] {
    d.map_or([0xff; 4], |d| d.num_days_from_ce().to_le_bytes())
}

/// The blocking keys of a person (see the module documentation).
fn blocking_keys(v: &View<'_>) -> Vec<u64> {
    let mut keys = Vec::with_capacity(8);
    let (first, sur) = (&v.first, &v.surname);
    let dob = date_bytes(v.birth);
    // Always present, so that the legacy rule finds every exact match (also "" == "").
    keys.push(hash_parts(
        0,
        &[first.raw.as_bytes(), sur.raw.as_bytes(), &dob],
    ));
    if let Some(d) = v.birth {
        if !sur.code.is_empty() {
            keys.push(hash_parts(
                1,
                &[sur.code.as_bytes(), &d.year().to_le_bytes()],
            ));
        }
        // Either name's code with the birth date, under one tag: survives swapped names.
        for code in [&first.code, &sur.code] {
            if !code.is_empty() {
                keys.push(hash_parts(2, &[code.as_bytes(), &dob]));
            }
        }
        if !v.postcode.is_empty() {
            keys.push(hash_parts(10, &[&dob, v.postcode.norm.as_bytes()]));
        }
        if let Some(c) = sur.norm.folded.as_bytes().first() {
            keys.push(hash_parts(7, &[&dob, &[*c]]));
        }
        if let Some(c) = first.norm.folded.as_bytes().first() {
            keys.push(hash_parts(8, &[&dob, &[*c]]));
        }
    }
    if !first.norm.folded.is_empty() && !v.postcode.is_empty() {
        let prefix = prefix(&first.norm.folded, 3);
        keys.push(hash_parts(
            9,
            &[prefix.as_bytes(), v.postcode.norm.as_bytes()],
        ));
    }
    if !sur.norm.folded.is_empty() && !v.postcode.is_empty() {
        let prefix = prefix(&sur.norm.folded, 3);
        keys.push(hash_parts(
            3,
            &[prefix.as_bytes(), v.postcode.norm.as_bytes()],
        ));
    }
    if !v.email.is_empty() {
        keys.push(hash_parts(4, &[v.email.norm.as_bytes()]));
    }
    if !v.phone.is_empty() {
        keys.push(hash_parts(5, &[v.phone.norm.as_bytes()]));
    }
    if !first.code.is_empty() && !sur.code.is_empty() {
        let (a, b) = if first.code <= sur.code {
            (&first.code, &sur.code)
        } else {
            (&sur.code, &first.code)
        };
        keys.push(hash_parts(6, &[a.as_bytes(), b.as_bytes()]));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn prefix(s: &str, chars: usize) -> &str {
    s.char_indices().nth(chars).map_or(s, |(i, _)| &s[..i])
}

fn clean(s: &str) -> String {
    s.replace(SEP, " ")
}

impl PersonIndex {
    /// An empty index with default limits.
    pub fn new() -> Self {
        PersonIndex::with_limits(BlockingLimits::default())
    }

    /// An empty index with the given limits.
    pub fn with_limits(limits: BlockingLimits) -> Self {
        PersonIndex {
            limits,
            records: Vec::new(),
            live: 0,
            by_id: FxHashMap::default(),
            keys: Vec::new(),
            slots: Vec::new(),
            dir: vec![0, 0],
            dir_bits: 0,
            delta: FxHashMap::default(),
            delta_len: 0,
            first: Interner::new(EntryKind::First),
            surname: Interner::new(EntryKind::Surname),
            city: Interner::new(EntryKind::City),
        }
    }

    /// Builds an index from existing persons. A later record with the same ID replaces an
    /// earlier one.
    pub fn build<I: IntoIterator<Item = PersonRecord>>(records: I, limits: BlockingLimits) -> Self {
        let mut index = PersonIndex::with_limits(limits);
        for r in records {
            index.store(&r);
        }
        index.compact();
        index
    }

    /// Number of persons in the index.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when the index holds no person.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The blocking limits in force.
    pub fn limits(&self) -> BlockingLimits {
        self.limits
    }

    /// Adds or replaces (same ID) a person.
    pub fn insert(&mut self, record: PersonRecord) {
        let slot = self.store(&record);
        if let Some(v) = self.view(slot) {
            let keys = blocking_keys(&v);
            self.delta_len += keys.len();
            for k in keys {
                self.delta.entry(k).or_default().push(slot);
            }
        }
        if self.delta_len > 65_536.max(self.keys.len() / 4) {
            self.compact();
        }
    }

    /// Removes a person; returns whether it was present.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.by_id.remove(id) else {
            return false;
        };
        if let Some(r) = self.records.get_mut(slot as usize) {
            *r = None;
        }
        self.live -= 1;
        true
    }

    /// Stores the record in a new slot (postings are added by the caller or by `compact`).
    fn store(&mut self, r: &PersonRecord) -> u32 {
        self.remove(&r.id);
        let mut flats = String::new();
        for (value, kind) in [
            (&r.email, FlatKind::Email),
            (&r.phone, FlatKind::Phone),
            (&r.street, FlatKind::Street),
            (&r.postcode, FlatKind::Postcode),
        ] {
            let value = clean(value);
            let f = FlatBox::new(&value, kind);
            let g = f.get();
            flats.push_str(g.raw);
            flats.push(SEP);
            if g.norm != g.raw {
                flats.push_str(g.norm);
            }
            flats.push(SEP);
        }
        let id: Arc<str> = Arc::from(r.id.as_str());
        let stored = Stored {
            id: Arc::clone(&id),
            first: self.first.intern(&r.first_name),
            surname: self.surname.intern(&r.surname),
            city: self.city.intern(&r.city),
            birth: r.birth_date,
            flats: flats.into_boxed_str(),
        };
        let slot = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        self.records.push(Some(stored));
        self.by_id.insert(id, slot);
        self.live += 1;
        slot
    }

    /// Rebuilds the sorted postings from the live persons, dropping removed ones and the delta.
    pub fn compact(&mut self) {
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(self.live * 8);
        for slot in 0..self.records.len() {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            if let Some(v) = self.view(slot) {
                pairs.extend(blocking_keys(&v).into_iter().map(|k| (k, slot)));
            }
        }
        pairs.sort_unstable();
        self.keys = pairs.iter().map(|p| p.0).collect();
        self.slots = pairs.iter().map(|p| p.1).collect();
        self.keys.shrink_to_fit();
        self.slots.shrink_to_fit();
        // About eight postings per bucket.
        self.dir_bits = (usize::BITS - (self.keys.len() / 8).leading_zeros()).min(28);
        let buckets = 1usize << self.dir_bits;
        let mut dir = Vec::with_capacity(buckets + 1);
        let mut i = 0usize;
        for b in 0..buckets {
            while i < self.keys.len() && self.bucket(self.keys[i]) < b {
                i += 1;
            }
            dir.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        dir.push(u32::try_from(self.keys.len()).unwrap_or(u32::MAX));
        self.dir = dir;
        self.delta = FxHashMap::default();
        self.delta_len = 0;
    }

    fn view(&self, slot: u32) -> Option<View<'_>> {
        let s = self.records.get(slot as usize)?.as_ref()?;
        let mut parts = s.flats.split(SEP);
        let mut next = || {
            let raw = parts.next().unwrap_or("");
            let norm = parts.next().unwrap_or("");
            Flat {
                raw,
                norm: if norm.is_empty() { raw } else { norm },
            }
        };
        let (email, phone, street, postcode) = (next(), next(), next(), next());
        Some(View {
            id: &s.id,
            first: self.first.get(s.first),
            surname: self.surname.get(s.surname),
            birth: s.birth,
            email,
            phone,
            street,
            postcode,
            city: self.city.get(s.city),
        })
    }

    fn bucket(&self, key: u64) -> usize {
        if self.dir_bits == 0 {
            0
        } else {
            usize::try_from(key >> (64 - self.dir_bits)).unwrap_or(0)
        }
    }

    fn postings(&self, key: u64) -> (&[u32], &[u32]) {
        let b = self.bucket(key);
        let start = self.dir.get(b).map_or(0, |x| *x as usize);
        let end = self.dir.get(b + 1).map_or(0, |x| *x as usize);
        let bucket = self.keys.get(start..end).unwrap_or(&[]);
        let lo = start + bucket.partition_point(|k| *k < key);
        let hi = start + bucket.partition_point(|k| *k <= key);
        let main = self.slots.get(lo..hi).unwrap_or(&[]);
        let delta = self.delta.get(&key).map_or(&[][..], Vec::as_slice);
        (main, delta)
    }

    fn candidate_slots(&self, p: &View<'_>) -> Vec<u32> {
        let mut blocks: Vec<(&[u32], &[u32])> = blocking_keys(p)
            .into_iter()
            .map(|k| self.postings(k))
            .filter(|(a, b)| {
                let n = a.len() + b.len();
                n > 0 && n <= self.limits.max_block
            })
            .collect();
        blocks.sort_by_key(|(a, b)| a.len() + b.len());
        let mut out: Vec<u32> = Vec::new();
        for (a, b) in blocks {
            if out.len() + a.len() + b.len() > self.limits.max_candidates {
                break;
            }
            out.extend_from_slice(a);
            out.extend_from_slice(b);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// IDs of the persons a prospect would be compared with (for diagnostics and benchmarks).
    pub fn candidate_ids(&self, prospect: &PersonRecord) -> Vec<&str> {
        let p = Owned::new(prospect);
        self.candidate_slots(&p.view())
            .into_iter()
            .filter_map(|s| self.view(s).map(|v| v.id))
            .collect()
    }

    /// The duplicate check: compares the prospect with the candidates its blocking keys find
    /// and decides link, review or new person.
    pub fn check(
        &self,
        prospect: &PersonRecord,
        config: &MatchConfig,
    ) -> Result<Decision, MatchError> {
        config.validate()?;
        let p = Owned::new(prospect);
        let pv = p.view();
        let slots = self.candidate_slots(&pv);
        Ok(decide_views(
            &pv,
            slots.into_iter().filter_map(|s| self.view(s)),
            config,
            self.live,
        ))
    }

    /// Sizes for diagnostics: (persons, postings, distinct first names, surnames, cities).
    pub fn stats(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.live,
            self.keys.len() + self.delta_len,
            self.first.len(),
            self.surname.len(),
            self.city.len(),
        )
    }
}
