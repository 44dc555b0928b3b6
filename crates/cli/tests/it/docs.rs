//! The configuration examples in the README and in `docs/` are valid TOML: a user copies them
//! into `immohub.toml`, and a syntax error there stops every command.

use std::path::{Path, PathBuf};

fn markdown_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![root.join("README.md")];
    for dir in ["docs", "erp"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The ```toml blocks of a Markdown text, with the line each starts on.
fn toml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```toml" => current = Some((i + 2, String::new())),
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn toml_examples_in_readme_and_docs_parse() {
    let mut checked = 0;
    let mut errors = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, block) in toml_blocks(&text) {
            checked += 1;
            if let Err(e) = block.parse::<toml::Table>() {
                errors.push(format!("{}:{line}: {e}", file.display()));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(checked >= 5, "only {checked} TOML examples found");
}

#[test]
fn toml_example_check_finds_a_line_break_inside_an_inline_table() {
    let text = "x\n```toml\ntarget = { kind = \"sftp\",\n  host = \"h\" }\n```\n";
    let blocks = toml_blocks(text);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].0, 3);
    assert!(blocks[0].1.parse::<toml::Table>().is_err());
}
