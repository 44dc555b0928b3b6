//! The room page's listing (SHR-5) as a pure function of the room's files and the query
//! parameters `?q=&sort=name|size&order=asc|desc&view=tiles|list&folder=`, so that search,
//! filter, sort and view work without JavaScript (the inline script does the same in the
//! browser without a reload).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use immohub_store::{Folder, ShareFile};
use serde::Deserialize;

/// The query parameters of the room page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub order: Option<String>,
    #[serde(default)]
    pub view: Option<String>,
    #[serde(default)]
    pub folder: Option<String>,
}

/// Sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    Size,
}

/// The normalised parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub q: String,
    pub sort: SortBy,
    pub descending: bool,
    /// `true`: tiles, `false`: list.
    pub tiles: bool,
    /// Only this folder (`Some(0)`: files without folder).
    pub folder: Option<i64>,
}

impl ListQuery {
    pub fn listing(&self) -> Listing {
        Listing {
            q: self.q.as_deref().unwrap_or("").trim().to_owned(),
            sort: match self.sort.as_deref() {
                Some("size") => SortBy::Size,
                _ => SortBy::Name,
            },
            descending: self.order.as_deref() == Some("desc"),
            tiles: self.view.as_deref() != Some("list"),
            folder: self.folder.as_deref().and_then(|f| f.parse().ok()),
        }
    }
}

/// One file as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileItem {
    pub id: i64,
    pub name: String,
    pub folder: String,
    pub folder_id: i64,
    pub size: i64,
    pub size_text: String,
    pub kind: &'static str,
    pub date_text: String,
}

/// The folders for the filter: (id, name, file count). Files without folder: id 0.
pub fn folder_options(folders: &[Folder], files: &[ShareFile]) -> Vec<(i64, String, usize)> {
    let mut out: Vec<(i64, String, usize)> = folders
        .iter()
        .map(|f| {
            let n = files.iter().filter(|x| x.folder_id == Some(f.id)).count();
            (f.id, f.name.clone(), n)
        })
        .collect();
    let loose = files.iter().filter(|x| x.folder_id.is_none()).count();
    if loose > 0 {
        out.push((0, "Ohne Ordner".to_owned(), loose));
    }
    out
}

/// The files to show, filtered and sorted.
pub fn list(files: &[ShareFile], folders: &[Folder], l: &Listing) -> Vec<FileItem> {
    let names: HashMap<i64, &str> = folders.iter().map(|f| (f.id, f.name.as_str())).collect();
    let needle = l.q.to_lowercase();
    let mut items: Vec<FileItem> = files
        .iter()
        .map(|f| FileItem {
            id: f.id,
            name: f.name.clone(),
            folder: f
                .folder_id
                .and_then(|id| names.get(&id).map(|s| (*s).to_owned()))
                .unwrap_or_default(),
            folder_id: f.folder_id.unwrap_or(0),
            size: f.size,
            size_text: size_text(f.size),
            kind: kind_label(&f.name),
            date_text: berlin(f.created_at),
        })
        .filter(|i| l.folder.is_none_or(|f| i.folder_id == f))
        .filter(|i| {
            needle.is_empty()
                || i.name.to_lowercase().contains(&needle)
                || i.folder.to_lowercase().contains(&needle)
        })
        .collect();
    items.sort_by(|a, b| {
        let ord = match l.sort {
            SortBy::Name => a
                .name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.id.cmp(&b.id)),
            SortBy::Size => a.size.cmp(&b.size).then(a.id.cmp(&b.id)),
        };
        if l.descending { ord.reverse() } else { ord }
    });
    items
}

/// A size in German notation: `850 Bytes`, `12,4 KB`, `5,0 MB`.
pub fn size_text(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    let (value, unit) = if b < 1024.0 {
        return format!("{bytes} Bytes");
    } else if b < 1024.0 * 1024.0 {
        (b / 1024.0, "KB")
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        (b / 1024.0 / 1024.0, "MB")
    } else {
        (b / 1024.0 / 1024.0 / 1024.0, "GB")
    };
    format!("{value:.1} {unit}").replace('.', ",")
}

/// A time in Europe/Berlin, German form.
pub fn berlin(at: DateTime<Utc>) -> String {
    at.with_timezone(&Berlin)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// A short label of the file type (for the tile icon).
pub fn kind_label(name: &str) -> &'static str {
    match name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("pdf") => "PDF",
        Some("png" | "jpg" | "jpeg" | "gif" | "webp" | "svg") => "Bild",
        Some("doc" | "docx" | "odt" | "txt") => "Text",
        Some("xls" | "xlsx" | "ods" | "csv") => "Tabelle",
        Some("zip") => "ZIP",
        _ => "Datei",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn file(id: i64, name: &str, size: i64, folder: Option<i64>) -> ShareFile {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap();
        ShareFile {
            id,
            room_id: 1,
            folder_id: folder,
            name: name.to_owned(),
            size,
            content_type: "application/pdf".to_owned(),
            sha256: String::new(),
            storage_key: String::new(),
            created_by: "x".to_owned(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn shr_5_search_filter_and_sort() {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap();
        let folders = vec![Folder {
            id: 7,
            room_id: 1,
            name: "Grundrisse".to_owned(),
            created_at: at,
            updated_at: at,
        }];
        let files = vec![
            file(1, "b-Energieausweis.pdf", 300, None),
            file(2, "a-Grundriss EG.pdf", 100, Some(7)),
            file(3, "c-Lageplan.pdf", 200, None),
        ];
        let q = |s: &str| -> Vec<i64> {
            let q: ListQuery = serde_json::from_str(s).unwrap();
            list(&files, &folders, &q.listing())
                .into_iter()
                .map(|i| i.id)
                .collect()
        };
        assert_eq!(q("{}"), [2, 1, 3]);
        assert_eq!(q(r#"{"sort":"size"}"#), [2, 3, 1]);
        assert_eq!(q(r#"{"sort":"size","order":"desc"}"#), [1, 3, 2]);
        assert_eq!(q(r#"{"q":"GRUND"}"#), [2]);
        assert_eq!(q(r#"{"q":"grundrisse"}"#), [2]);
        assert_eq!(q(r#"{"folder":"0"}"#), [1, 3]);
        assert_eq!(size_text(5 * 1024 * 1024), "5,0 MB");
        assert_eq!(size_text(999), "999 Bytes");
        assert_eq!(berlin(at), "01.05.2024 10:00");
    }
}
