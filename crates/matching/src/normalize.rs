//! Normalisation of names, e-mail addresses, phone numbers and addresses (PRO-3).
//!
//! Every function here is pure and total: bad input gives an empty result, never an error.
//! The comparison forms are ASCII lower case: `"Dr. Jürgen  Meyer-Lüdenscheid"` becomes
//! the tokens `juergen`, `meyer`, `luedenscheid` (umlauts are transliterated to `ae`/`oe`/`ue`,
//! `ß` to `ss`, other accents are dropped).

use unicode_normalization::UnicodeNormalization;

/// Salutations and academic titles that are dropped when they lead a name field.
/// Only a leading run is dropped, and never the last remaining token, so that a person whose
/// first name happens to be "Nat" keeps it.
const TITLES: &[&str] = &[
    "herr",
    "herrn",
    "frau",
    "fraeulein",
    "fam",
    "familie",
    "hr",
    "fr",
    "dr",
    "drs",
    "prof",
    "professor",
    "dipl",
    "ing",
    "kfm",
    "med",
    "dent",
    "vet",
    "rer",
    "nat",
    "pol",
    "oec",
    "phil",
    "jur",
    "habil",
    "mult",
    "mr",
    "mrs",
    "ms",
    "miss",
    "sir",
];

/// Name particles. In a surname they are dropped for comparison ("von der Leyen" compares as
/// "leyen") unless nothing else is left; the display form keeps them.
const PARTICLES: &[&str] = &[
    "von", "vom", "van", "zu", "zum", "zur", "der", "den", "de", "del", "della", "di", "da", "du",
    "la", "le", "ten", "ter", "auf", "und",
];

/// Lower-case ASCII transliteration of free text: NFKD, umlauts to `ae`/`oe`/`ue`, `ß` to `ss`,
/// other combining marks dropped, every character that is not a letter or digit becomes a
/// space. The result is not yet split or trimmed.
pub fn transliterate(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 4);
    let lower = input.to_lowercase();
    let mut last_base: Option<char> = None;
    for ch in lower.nfkd() {
        match ch {
            // COMBINING DIAERESIS: after a, o, u it is a German umlaut.
            '\u{0308}' => {
                if matches!(last_base, Some('a' | 'o' | 'u')) {
                    out.push('e');
                }
            }
            c if is_combining_mark(c) => {}
            'ß' | 'ẞ' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'ø' | 'œ' => out.push_str("oe"),
            'ł' => out.push('l'),
            'đ' | 'ð' => out.push('d'),
            'þ' => out.push_str("th"),
            'ı' => out.push('i'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
        if !is_combining_mark(ch) {
            last_base = Some(ch);
        }
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// A name in its comparison forms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormName {
    /// Tokens joined by one space, titles removed: `"meyer luedenscheid"`.
    pub display: String,
    /// Tokens without spaces and, for surnames, without particles: `"meyerluedenscheid"`.
    /// Hyphen, space and no separator in a double name therefore compare equal.
    pub key: String,
    /// `key` with `ae`/`oe`/`ue` folded to `a`/`o`/`u`, so that "Müller", "Mueller" and the
    /// accent-stripped "Muller" share one form.
    pub folded: String,
}

impl NormName {
    /// True when the name is missing (empty after normalisation).
    pub fn is_empty(&self) -> bool {
        self.key.is_empty()
    }

    /// The comparison tokens (display form split at spaces).
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.display.split(' ').filter(|t| !t.is_empty())
    }
}

/// Which name field is normalised; surnames drop particles for comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Vorname.
    First,
    /// Nachname.
    Surname,
    /// A place name (Ort), normalised like a first name.
    Place,
}

/// Normalises a person or place name: trim, collapse white space, case fold, transliterate,
/// drop leading salutations and titles, and (surnames) particles for the comparison key.
pub fn normalize_name(input: &str, kind: NameKind) -> NormName {
    let text = transliterate(input);
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    let titles = tokens.iter().take_while(|t| TITLES.contains(t)).count();
    if titles < tokens.len() {
        tokens.drain(..titles);
    }
    let display = tokens.join(" ");
    let key: String = if kind == NameKind::Surname && tokens.iter().any(|t| !PARTICLES.contains(t))
    {
        tokens
            .iter()
            .filter(|t| !PARTICLES.contains(t))
            .copied()
            .collect()
    } else {
        tokens.concat()
    };
    let folded = fold_digraphs(&key);
    NormName {
        display,
        key,
        folded,
    }
}

/// Folds the transliteration digraphs `ae`, `oe`, `ue` to `a`, `o`, `u`.
pub fn fold_digraphs(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut prev: Option<char> = None;
    for c in key.chars() {
        if c == 'e' && matches!(prev, Some('a' | 'o' | 'u')) {
            prev = None;
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Kölner Phonetik code of a normalised key (empty for an empty key).
pub fn cologne(key: &str) -> String {
    use rphonetic::Encoder;
    if key.is_empty() {
        return String::new();
    }
    rphonetic::Cologne.encode(key)
}

/// E-mail address: trimmed and lower case; empty when it has no `@`.
pub fn normalize_email(input: &str) -> String {
    let e = input.trim().to_lowercase();
    if e.contains('@') { e } else { String::new() }
}

/// Phone number as digits in national form: `+49 30 1234-5`, `0049 (30) 12345` and
/// `030/12345` all become `03012345`. Other country codes keep a `00` prefix.
/// Fewer than five digits count as missing.
pub fn normalize_phone(input: &str) -> String {
    let trimmed = input.trim();
    let plus = trimmed.starts_with('+');
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let out = match international {
        Some(rest) => match rest.strip_prefix("49") {
            Some(national) => format!("0{}", national.trim_start_matches('0')),
            None => format!("00{rest}"),
        },
        None => digits,
    };
    if out.len() < 5 { String::new() } else { out }
}

/// Street with house number: name normalisation plus `str`/`str.` → `strasse`;
/// returned without spaces (`"hauptstrasse12a"`).
pub fn normalize_street(input: &str) -> String {
    let text = transliterate(input);
    let mut out = String::with_capacity(text.len() + 8);
    for token in text.split_whitespace() {
        if token == "str" {
            out.push_str("strasse");
        } else if let Some(stem) = token.strip_suffix("str") {
            out.push_str(stem);
            out.push_str("strasse");
        } else {
            out.push_str(token);
        }
    }
    out
}

/// Postcode: letters and digits only, lower case.
pub fn normalize_postcode(input: &str) -> String {
    input
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_and_accents() {
        assert_eq!(normalize_name(" Müller ", NameKind::Surname).key, "mueller");
        assert_eq!(normalize_name("MUELLER", NameKind::Surname).key, "mueller");
        assert_eq!(normalize_name("Muller", NameKind::Surname).folded, "muller");
        assert_eq!(normalize_name("Müller", NameKind::Surname).folded, "muller");
        assert_eq!(normalize_name("Strauß", NameKind::Surname).key, "strauss");
        assert_eq!(normalize_name("José", NameKind::First).key, "jose");
    }

    #[test]
    fn titles_double_names_particles() {
        let n = normalize_name("Dr. med. Meyer-Lüdenscheid", NameKind::Surname);
        assert_eq!(n.display, "meyer luedenscheid");
        assert_eq!(n.key, "meyerluedenscheid");
        assert_eq!(
            normalize_name("von der Leyen", NameKind::Surname).key,
            "leyen"
        );
        assert_eq!(normalize_name("Herr", NameKind::First).key, "herr");
        assert_eq!(
            normalize_name("Prof. Dr.-Ing. Hans", NameKind::First).key,
            "hans"
        );
    }

    #[test]
    fn phones_and_mail() {
        assert_eq!(normalize_phone("+49 (30) 1234-567"), "0301234567");
        assert_eq!(normalize_phone("0049 30 1234567"), "0301234567");
        assert_eq!(normalize_phone("030/1234567"), "0301234567");
        assert_eq!(normalize_phone("+43 1 234567"), "00431234567");
        assert_eq!(
            normalize_email(" Anna.Muster@Example.DE "),
            "anna.muster@example.de"
        );
        assert_eq!(normalize_street("Hauptstr. 5"), "hauptstrasse5");
        assert_eq!(normalize_street("Hauptstraße 5"), "hauptstrasse5");
    }
}
