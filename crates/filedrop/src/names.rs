//! File names: validation, temporary names, in-progress detection, patterns, archive names.

use std::collections::HashSet;

/// Suffixes of files that are still being written, by us or by a partner's tool.
const IN_PROGRESS_SUFFIXES: &[&str] = &[".part", ".tmp", ".filepart", ".partial", ".crdownload"];

/// A remote or local file name must be a plain name: no path separators, no `.`/`..`, no
/// control characters, not empty. Returns the German reason when it is not.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("leerer Dateiname".to_owned());
    }
    if name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(format!("ungültiger Dateiname „{name}“ (kein Pfad erlaubt)"));
    }
    if name.chars().any(char::is_control) {
        return Err("ungültiger Dateiname (Steuerzeichen)".to_owned());
    }
    Ok(())
}

/// The name a file is written under before it is renamed to `name`: hidden (leading dot) and
/// with a `.part` suffix, so that neither a pattern like `*.xml`/`*.zip` nor a careful reader
/// picks it up.
pub fn temp_name(name: &str) -> String {
    format!(".{name}.part")
}

/// Whether a name belongs to a file that is still being written or is otherwise not meant for
/// import: hidden files (including our own temporary names) and the usual partial-download
/// suffixes.
pub fn is_in_progress(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.') || IN_PROGRESS_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Shell-style wildcard match (`*` any run, `?` one character), case-insensitive because
/// partners mix `.xml` and `.XML`. An empty pattern matches everything.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    if pattern.is_empty() {
        return true;
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    // Iterative matcher with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A name in the archive folder that is not taken yet: `name` itself, else `stem-1.ext`,
/// `stem-2.ext`, … so that a partner re-using a file name never overwrites an archived file.
pub(crate) fn free_archive_name(name: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(name) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let mut n = 1u64;
    loop {
        let candidate = format!("{stem}-{n}{ext}");
        if !taken.contains(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pro_2_pattern_table() {
        let table = [
            ("*.xml", "feedback.xml", true),
            ("*.xml", "FEEDBACK.XML", true),
            ("*.xml", "feedback.xml.part", false),
            ("*.xml", "feedback.zip", false),
            ("feedback_*.xml", "feedback_2026.xml", true),
            ("feedback_*.xml", "other_2026.xml", false),
            ("?.xml", "a.xml", true),
            ("?.xml", "ab.xml", false),
            ("*", "anything", true),
            ("", "anything", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
        ];
        for (pattern, name, expected) in table {
            assert_eq!(
                matches_pattern(pattern, name),
                expected,
                "{pattern} vs {name}"
            );
        }
    }

    #[test]
    fn pro_2_in_progress_names_are_skipped() {
        for name in [
            ".a.xml.part",
            "a.xml.part",
            "a.xml.tmp",
            "a.XML.PART",
            ".hidden.xml",
        ] {
            assert!(is_in_progress(name), "{name}");
        }
        for name in ["a.xml", "part.xml", "tmp.zip"] {
            assert!(!is_in_progress(name), "{name}");
        }
        assert!(is_in_progress(&temp_name("a.zip")));
    }

    #[test]
    fn vac_4_names_must_be_plain() {
        assert!(check_name("angebot.zip").is_ok());
        for bad in ["", ".", "..", "a/b.zip", "..\\x", "a\nb"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pro_2_archive_never_overwrites() {
        let taken: HashSet<String> = ["f.xml", "f-1.xml", "noext"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(free_archive_name("g.xml", &taken), "g.xml");
        assert_eq!(free_archive_name("f.xml", &taken), "f-2.xml");
        assert_eq!(free_archive_name("noext", &taken), "noext-1");
    }
}
