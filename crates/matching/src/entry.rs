//! Normalised field values, shared between prospects and indexed persons.

use crate::normalize::{self, NameKind, NormName};
use crate::record::PersonRecord;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// One text value in raw and comparison form, with its Kölner Phonetik code where useful.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub raw: Box<str>,
    pub norm: NormName,
    pub code: Box<str>,
}

/// How a name field's text is normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    First,
    Surname,
    City,
}

/// How a flat field (compared as one string, no phonetics) is normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlatKind {
    Street,
    Postcode,
    Email,
    Phone,
}

/// Raw and normalised form of a flat field, borrowed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flat<'a> {
    pub raw: &'a str,
    pub norm: &'a str,
}

impl Flat<'_> {
    pub fn is_empty(&self) -> bool {
        self.norm.is_empty()
    }
}

/// Raw and normalised form of a flat field, owned compactly: the normalised form is only
/// stored when it differs from the raw one.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatBox {
    raw: Box<str>,
    norm: Option<Box<str>>,
}

impl FlatBox {
    pub fn new(raw: &str, kind: FlatKind) -> Self {
        let norm = match kind {
            FlatKind::Street => normalize::normalize_street(raw),
            FlatKind::Postcode => normalize::normalize_postcode(raw),
            FlatKind::Email => normalize::normalize_email(raw),
            FlatKind::Phone => normalize::normalize_phone(raw),
        };
        FlatBox {
            raw: raw.into(),
            norm: (norm != raw).then(|| norm.into_boxed_str()),
        }
    }

    pub fn get(&self) -> Flat<'_> {
        Flat {
            raw: &self.raw,
            norm: self.norm.as_deref().unwrap_or(&self.raw),
        }
    }
}

impl Entry {
    pub fn new(raw: &str, kind: EntryKind) -> Self {
        let norm = match kind {
            EntryKind::First => normalize::normalize_name(raw, NameKind::First),
            EntryKind::Surname => normalize::normalize_name(raw, NameKind::Surname),
            EntryKind::City => normalize::normalize_name(raw, NameKind::Place),
        };
        let code = match kind {
            EntryKind::First | EntryKind::Surname => normalize::cologne(&norm.key),
            EntryKind::City => String::new(),
        };
        Entry {
            raw: raw.into(),
            norm,
            code: code.into_boxed_str(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.norm.is_empty()
    }
}

/// Borrowed view of a normalised person; what [`crate::compare`] works on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub id: &'a str,
    pub first: &'a Entry,
    pub surname: &'a Entry,
    pub birth: Option<NaiveDate>,
    pub email: Flat<'a>,
    pub phone: Flat<'a>,
    pub street: Flat<'a>,
    pub postcode: Flat<'a>,
    pub city: &'a Entry,
}

/// A normalised person that owns its entries (prospects and the brute-force [`crate::decide`]).
#[derive(Debug, Clone)]
pub(crate) struct Owned {
    pub id: String,
    pub first: Entry,
    pub surname: Entry,
    pub birth: Option<NaiveDate>,
    pub email: FlatBox,
    pub phone: FlatBox,
    pub street: FlatBox,
    pub postcode: FlatBox,
    pub city: Entry,
}

impl Owned {
    pub fn new(r: &PersonRecord) -> Self {
        Owned {
            id: r.id.clone(),
            first: Entry::new(&r.first_name, EntryKind::First),
            surname: Entry::new(&r.surname, EntryKind::Surname),
            birth: r.birth_date,
            email: FlatBox::new(&r.email, FlatKind::Email),
            phone: FlatBox::new(&r.phone, FlatKind::Phone),
            street: FlatBox::new(&r.street, FlatKind::Street),
            postcode: FlatBox::new(&r.postcode, FlatKind::Postcode),
            city: Entry::new(&r.city, EntryKind::City),
        }
    }

    pub fn view(&self) -> View<'_> {
        View {
            id: &self.id,
            first: &self.first,
            surname: &self.surname,
            birth: self.birth,
            email: self.email.get(),
            phone: self.phone.get(),
            street: self.street.get(),
            postcode: self.postcode.get(),
            city: &self.city,
        }
    }
}

/// Interns normalised entries of one field: a name shared by 10,000 persons is normalised
/// and stored once. Entries are never dropped (the vocabulary only grows).
#[derive(Debug)]
pub(crate) struct Interner {
    kind: EntryKind,
    ids: FxHashMap<Arc<str>, u32>,
    entries: Vec<Entry>,
}

impl Interner {
    pub fn new(kind: EntryKind) -> Self {
        let mut interner = Interner {
            kind,
            ids: FxHashMap::default(),
            entries: Vec::new(),
        };
        // Slot 0 is the empty (missing) value.
        interner.intern("");
        interner
    }

    pub fn intern(&mut self, raw: &str) -> u32 {
        if let Some(&id) = self.ids.get(raw) {
            return id;
        }
        let id = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.push(Entry::new(raw, self.kind));
        self.ids.insert(Arc::from(raw), id);
        id
    }

    pub fn get(&self, id: u32) -> &Entry {
        static EMPTY: std::sync::OnceLock<Entry> = std::sync::OnceLock::new();
        self.entries
            .get(id as usize)
            .unwrap_or_else(|| EMPTY.get_or_init(Entry::default))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}
