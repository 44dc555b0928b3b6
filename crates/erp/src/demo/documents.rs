//! The demo ERP's document store: a small pool of photos (PNG), floor plans and energy
//! certificates (PDF) that the demo vacancies refer to, written next to the database
//! (`<name>-dokumente/`), as a real ERP's document management keeps files outside its tables.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::ErpError;

/// Photos of the pool: file name and the two colours of its gradient.
pub(crate) const DEMO_IMAGES: &[(&str, [u8; 3], [u8; 3])] = &[
    ("wohnung-1.png", [236, 226, 208], [180, 150, 110]),
    ("wohnung-2.png", [220, 232, 240], [90, 130, 170]),
    ("wohnung-3.png", [245, 240, 230], [200, 120, 80]),
    ("wohnung-4.png", [230, 240, 225], [110, 150, 90]),
    ("wohnung-5.png", [240, 236, 244], [150, 120, 170]),
    ("wohnung-6.png", [250, 246, 236], [210, 180, 90]),
];

const OTHER_IMAGES: &[(&str, [u8; 3], [u8; 3])] = &[
    ("gewerbe-1.png", [225, 230, 235], [70, 80, 95]),
    ("stellplatz-1.png", [215, 215, 215], [90, 90, 90]),
];

/// Where the documents of the demo ERP at `db` live.
pub fn demo_documents_dir(db: &Path) -> PathBuf {
    let stem = db
        .file_stem()
        .map_or_else(|| "demo-erp".into(), |s| s.to_string_lossy().into_owned());
    db.with_file_name(format!("{stem}-dokumente"))
}

/// Writes the document pool below `dir` (created if missing; existing files are replaced).
pub(crate) fn write_documents(dir: &Path) -> Result<(), ErpError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source: std::io::Error| ErpError::DemoIo { path, source }
    };
    for sub in ["bilder", "grundrisse", "energieausweise"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(io(&d))?;
    }
    for (name, top, bottom) in DEMO_IMAGES.iter().chain(OTHER_IMAGES) {
        let path = dir.join("bilder").join(name);
        write_png(&path, *top, *bottom).map_err(io(&path))?;
    }
    for rooms in 1..=5 {
        let path = dir
            .join("grundrisse")
            .join(format!("grundriss-{rooms}-zimmer.pdf"));
        let title = format!("Grundriss {rooms}-Zimmer-Wohnung");
        std::fs::write(&path, pdf(&title, &floor_plan_lines(rooms))).map_err(io(&path))?;
    }
    for (file, title, lines) in [
        (
            "grundrisse/grundriss-gross.pdf",
            "Grundriss Wohnung ab 6 Zimmern",
            floor_plan_lines(6),
        ),
        (
            "grundrisse/grundriss-gewerbe.pdf",
            "Grundriss Gewerbeeinheit",
            vec![
                "Verkaufsraum mit Schaufenster".to_owned(),
                "Lager, Personal-WC".to_owned(),
            ],
        ),
        (
            "energieausweise/energieausweis-bedarf.pdf",
            "Energieausweis (Bedarfsausweis)",
            vec!["Endenergiebedarf des Gebäudes laut GEG".to_owned()],
        ),
        (
            "energieausweise/energieausweis-verbrauch.pdf",
            "Energieausweis (Verbrauchsausweis)",
            vec!["Endenergieverbrauch des Gebäudes laut GEG".to_owned()],
        ),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, pdf(title, &lines)).map_err(io(&path))?;
    }
    Ok(())
}

fn floor_plan_lines(rooms: u32) -> Vec<String> {
    let mut lines = vec!["Flur, Bad mit Fenster".to_owned()];
    lines.push("Wohnzimmer mit Zugang zum Balkon".to_owned());
    for n in 2..=rooms {
        lines.push(format!("Zimmer {n}"));
    }
    lines.push("Küche".to_owned());
    lines
}

/// A 480×320 PNG with a vertical gradient and a simple window pattern.
fn write_png(path: &Path, top: [u8; 3], bottom: [u8; 3]) -> std::io::Result<()> {
    const W: u32 = 480;
    const H: u32 = 320;
    let file = std::fs::File::create(path)?;
    let mut enc = png::Encoder::new(BufWriter::new(file), W, H);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(std::io::Error::other)?;
    let mut data = Vec::with_capacity((W * H * 3) as usize);
    for y in 0..H {
        for x in 0..W {
            let window = (x / 40) % 3 == 1 && (y / 40) % 2 == 1 && y > 60 && y < 280;
            for c in 0..3 {
                let v = (u32::from(top[c]) * (H - y) + u32::from(bottom[c]) * y) / H;
                let v = if window { v / 2 + 100 } else { v };
                data.push(u8::try_from(v.min(255)).unwrap_or(255));
            }
        }
    }
    writer
        .write_image_data(&data)
        .map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)
}

/// A one-page PDF with a title and some lines (WinAnsi text: umlauts are mapped).
fn pdf(title: &str, lines: &[String]) -> Vec<u8> {
    let esc = |s: &str| -> Vec<u8> {
        let mut out = Vec::new();
        for c in s.chars() {
            match c {
                '(' | ')' | '\\' => {
                    out.push(b'\\');
                    out.push(c as u8);
                }
                'ä' => out.push(0xE4),
                'ö' => out.push(0xF6),
                'ü' => out.push(0xFC),
                'Ä' => out.push(0xC4),
                'Ö' => out.push(0xD6),
                'Ü' => out.push(0xDC),
                'ß' => out.push(0xDF),
                c if c.is_ascii() => out.push(c as u8),
                _ => out.push(b'?'),
            }
        }
        out
    };
    let mut content: Vec<u8> = Vec::new();
    content.extend_from_slice(b"BT /F1 20 Tf 56 780 Td (");
    content.extend(esc(title));
    content.extend_from_slice(b") Tj ET\n");
    for (i, line) in lines.iter().enumerate() {
        content.extend(format!("BT /F1 12 Tf 56 {} Td (", 740 - 20 * i).into_bytes());
        content.extend(esc(line));
        content.extend_from_slice(b") Tj ET\n");
    }
    content
        .extend_from_slice(b"2 w 56 300 480 300 re S 56 450 m 536 450 l S 300 300 m 300 600 l S\n");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        {
            let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(&content);
            s.extend_from_slice(b"endstream");
            s
        },
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_xref_points_at_objects() {
        let doc = pdf("Grundriss (Test) Küche", &["Zimmer 2".to_owned()]);
        // Offsets are byte offsets: search the bytes (the text has Latin-1 umlauts).
        let find = |needle: &[u8]| doc.windows(needle.len()).rposition(|w| w == needle);
        let at = find(b"startxref\n").unwrap() + "startxref\n".len();
        let end = doc[at..].iter().position(|b| *b == b'\n').unwrap() + at;
        let start: usize = std::str::from_utf8(&doc[at..end]).unwrap().parse().unwrap();
        assert!(doc[start..].starts_with(b"xref"));
        assert!(find(b"Grundriss \\(Test\\) K\xFCche").is_some());
        // Every object offset in the table points at "N 0 obj".
        let table = std::str::from_utf8(&doc[start..]).unwrap();
        for (n, line) in table.lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                doc[off..].starts_with(format!("{} 0 obj", n + 1).as_bytes()),
                "{line}"
            );
        }
    }
}
