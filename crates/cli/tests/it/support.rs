//! Running the binary with environment variables and standard input, and reading the hub DB.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `immohub` in `dir` with extra environment variables and, optionally, standard input.
/// Returns success and stdout + stderr. `IMMOHUB_MASTER_KEY` is unset unless given.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_immohub"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("IMMOHUB_CONFIG")
        .env_remove("IMMOHUB_MASTER_KEY")
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run immohub");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A hub DB connection (SQLite file of the test directory).
pub async fn hub(dir: &Path) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect(&format!("sqlite:{}", dir.join("data/immohub.db").display()))
        .await
        .unwrap()
}

/// Replaces `from` by `to` in the configuration file (exactly once).
pub fn edit_config(dir: &Path, from: &str, to: &str) {
    let path = dir.join("immohub.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from} in {text}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// A running `immohub serve`, killed on drop.
pub struct Server(std::process::Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `immohub serve` on a free port and returns it with its base URL.
pub fn serve(dir: &Path) -> (Server, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_immohub"))
        .current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("IMMOHUB_CONFIG")
        .env_remove("IMMOHUB_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (Server(child), url)
}

pub async fn get_json(http: &reqwest::Client, url: &str, key: &str) -> serde_json::Value {
    let response = http.get(url).bearer_auth(key).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// Highest `seq` of the units feed of the key's connection.
pub async fn feed_head(http: &reqwest::Client, url: &str, key: &str) -> i64 {
    let feeds = get_json(http, &format!("{url}/v1/feeds"), key).await;
    feeds["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feed"] == "units")
        .unwrap()["head"]
        .as_i64()
        .unwrap()
}
