//! A partner for tests: a real HTTP/1.1 server on a local port that receives webhook deliveries,
//! verifies their Standard Webhooks signatures (with its own HMAC code, not immohub's), applies
//! each `webhook-id` once (as a well-behaved partner does) and can misbehave on purpose: 500s,
//! 429 with `Retry-After`, answers after the client's timeout, slow answers, truncated answers
//! and refusals.
//!
//! The state it keeps lets tests assert GEN-11: every record's final version, how often each
//! message arrived, and whether any message took effect twice or arrived with a different body
//! under the same `webhook-id`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod smtp;
pub mod sshd;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::{Rng, SeedableRng};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the partner does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Apply and answer 200.
    None,
    /// Answer this status without applying (500, 503, 422, 410 …).
    Status(u16),
    /// Answer 429 with `Retry-After: secs`, without applying.
    TooMany { retry_after_secs: u64 },
    /// Apply, then answer only after this delay (longer than the client's timeout: the sender
    /// believes it failed although it took effect).
    ApplyThenHang(Duration),
    /// Answer 200 slowly (within the timeout).
    Slow(Duration),
    /// Apply, then send half a status line and close the connection.
    ApplyThenTruncate,
    /// Close the connection without applying or answering.
    Drop,
}

/// Random faults: each request gets one of the faults with the given probability (percent).
#[derive(Debug, Clone)]
pub struct FaultMix {
    pub seed: u64,
    pub percent: u32,
    pub faults: Vec<Fault>,
}

/// One record as the partner holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub version: i64,
    pub op: String,
    pub data: serde_json::Value,
}

#[derive(Default)]
struct State {
    secrets: Vec<Vec<u8>>,
    plan: VecDeque<Fault>,
    mix: Option<(rand::rngs::StdRng, FaultMix)>,
    /// (feed, id) → held record.
    records: HashMap<(String, String), Held>,
    /// webhook-id → body of its first arrival.
    bodies: HashMap<String, Vec<u8>>,
    /// webhook-id → number of arrivals with a valid signature.
    arrivals: HashMap<String, u32>,
    /// webhook-id → number of times it took effect.
    effects: HashMap<String, u32>,
    /// Problems seen: bad signatures, changed bodies, version regressions.
    problems: Vec<String>,
    requests: u64,
    /// Signature header values seen (to check rotation).
    signature_headers: Vec<String>,
}

/// The running partner. Dropping it does not stop the server task; tests end with the runtime.
#[derive(Clone)]
pub struct FaultyPartner {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FaultyPartner {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start() -> FaultyPartner {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let st = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let st = Arc::clone(&st);
                tokio::spawn(async move {
                    let _ = serve_connection(sock, st).await;
                });
            }
        });
        FaultyPartner { addr, state }
    }

    /// URL of the webhook endpoint.
    pub fn url(&self) -> String {
        format!("http://{}/hooks/immohub", self.addr)
    }

    /// The secrets the partner accepts (`whsec_…`); a delivery must carry a signature by one.
    pub fn set_secrets(&self, secrets: &[&str]) {
        let keys = secrets
            .iter()
            .map(|s| STANDARD.decode(s.trim_start_matches("whsec_")).unwrap())
            .collect();
        self.state.lock().unwrap().secrets = keys;
    }

    /// Faults for the next requests, in order; afterwards the mix (if any) or no fault.
    pub fn plan(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.lock().unwrap().plan.extend(faults);
    }

    /// Random faults from now on.
    pub fn mix(&self, mix: FaultMix) {
        let rng = rand::rngs::StdRng::seed_from_u64(mix.seed);
        self.state.lock().unwrap().mix = Some((rng, mix));
    }

    /// No more faults.
    pub fn heal(&self) {
        let mut s = self.state.lock().unwrap();
        s.plan.clear();
        s.mix = None;
    }

    /// The records the partner holds: (feed, id) → held.
    pub fn records(&self) -> HashMap<(String, String), Held> {
        self.state.lock().unwrap().records.clone()
    }

    /// Live records (not deleted), as (feed, id) → version.
    pub fn live(&self) -> HashMap<(String, String), i64> {
        self.records()
            .into_iter()
            .filter(|(_, h)| h.op != "delete")
            .map(|(k, h)| (k, h.version))
            .collect()
    }

    /// Messages that took effect more than once (must be empty).
    pub fn doubled(&self) -> Vec<(String, u32)> {
        let s = self.state.lock().unwrap();
        s.effects
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(k, n)| (k.clone(), *n))
            .collect()
    }

    /// Number of distinct messages that took effect.
    pub fn effects(&self) -> usize {
        self.state.lock().unwrap().effects.len()
    }

    /// Arrivals (valid signature) of messages, including repeats.
    pub fn arrivals(&self) -> u64 {
        let s = self.state.lock().unwrap();
        s.arrivals.values().map(|n| u64::from(*n)).sum()
    }

    /// Messages that arrived more than once (repeats are allowed; their effect is not).
    pub fn repeated(&self) -> usize {
        let s = self.state.lock().unwrap();
        s.arrivals.values().filter(|n| **n > 1).count()
    }

    pub fn requests(&self) -> u64 {
        self.state.lock().unwrap().requests
    }

    /// Bad signatures, changed bodies under one webhook-id, version regressions.
    pub fn problems(&self) -> Vec<String> {
        self.state.lock().unwrap().problems.clone()
    }

    /// `webhook-signature` headers seen, in order.
    pub fn signature_headers(&self) -> Vec<String> {
        self.state.lock().unwrap().signature_headers.clone()
    }
}

struct Request {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let mut lines = head.split("\r\n");
            let _request_line = lines.next()?;
            let headers: HashMap<String, String> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let mut chunk = [0u8; 8192];
                let n = sock.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[end + 4..end + 4 + len].to_vec();
            buf.drain(..end + 4 + len);
            return Some(Request { headers, body });
        }
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn respond(
    sock: &mut TcpStream,
    status: u16,
    extra: &str,
    body: &str,
) -> std::io::Result<()> {
    let text = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{extra}\r\n{body}",
        body.len()
    );
    sock.write_all(text.as_bytes()).await
}

async fn serve_connection(mut sock: TcpStream, st: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut sock, &mut buf).await {
        let fault = {
            let mut s = st.lock().unwrap();
            s.requests += 1;
            match s.plan.pop_front() {
                Some(f) => f,
                None => match &mut s.mix {
                    Some((rng, mix)) if !mix.faults.is_empty() => {
                        if rng.gen_range(0..100) < mix.percent {
                            let i = rng.gen_range(0..mix.faults.len());
                            mix.faults[i].clone()
                        } else {
                            Fault::None
                        }
                    }
                    _ => Fault::None,
                },
            }
        };
        let verdict = check(&st, &req);
        if let Err(msg) = verdict {
            respond(&mut sock, 401, "", &msg).await?;
            continue;
        }
        match fault {
            Fault::None => {
                apply(&st, &req);
                respond(&mut sock, 200, "", "ok").await?;
            }
            Fault::Slow(d) => {
                tokio::time::sleep(d).await;
                apply(&st, &req);
                respond(&mut sock, 200, "", "ok").await?;
            }
            Fault::Status(code) => {
                respond(&mut sock, code, "", "Fehler beim Partner (Test)").await?;
            }
            Fault::TooMany { retry_after_secs } => {
                let extra = format!("retry-after: {retry_after_secs}\r\n");
                respond(&mut sock, 429, &extra, "").await?;
            }
            Fault::ApplyThenHang(d) => {
                apply(&st, &req);
                tokio::time::sleep(d).await;
                return Ok(());
            }
            Fault::ApplyThenTruncate => {
                apply(&st, &req);
                sock.write_all(b"HTTP/1.1 20").await?;
                return Ok(());
            }
            Fault::Drop => return Ok(()),
        }
    }
    Ok(())
}

/// Signature check, done independently of immohub's code.
fn check(st: &Arc<Mutex<State>>, req: &Request) -> Result<(), String> {
    let mut s = st.lock().unwrap();
    let id = req.headers.get("webhook-id").cloned().unwrap_or_default();
    let ts = req
        .headers
        .get("webhook-timestamp")
        .cloned()
        .unwrap_or_default();
    let sigs = req
        .headers
        .get("webhook-signature")
        .cloned()
        .unwrap_or_default();
    s.signature_headers.push(sigs.clone());
    if s.secrets.is_empty() {
        return Ok(());
    }
    let mut signed = Vec::new();
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(ts.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(&req.body);
    let ok = s.secrets.iter().any(|key| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(&signed);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        sigs.split(' ').any(|p| p == expected)
    });
    if ok {
        Ok(())
    } else {
        s.problems.push(format!("falsche Signatur für {id}"));
        Err("bad signature".to_owned())
    }
}

/// Applies a message once per webhook-id, as a partner following Standard Webhooks does.
fn apply(st: &Arc<Mutex<State>>, req: &Request) {
    let mut s = st.lock().unwrap();
    let id = req.headers.get("webhook-id").cloned().unwrap_or_default();
    *s.arrivals.entry(id.clone()).or_default() += 1;
    if let Some(first) = s.bodies.get(&id) {
        if first != &req.body {
            s.problems
                .push(format!("{id}: gleiche webhook-id, anderer Inhalt"));
        }
        return;
    }
    s.bodies.insert(id.clone(), req.body.clone());
    *s.effects.entry(id.clone()).or_default() += 1;
    let v: serde_json::Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => {
            s.problems.push(format!("{id}: kein JSON: {e}"));
            return;
        }
    };
    let feed = v["type"]
        .as_str()
        .and_then(|t| t.split('.').next())
        .unwrap_or("")
        .to_owned();
    let data = &v["data"];
    let rid = data["id"].as_str().unwrap_or("").to_owned();
    let version = data["version"].as_i64().unwrap_or(0);
    let op = data["op"].as_str().unwrap_or("").to_owned();
    let key = (feed, rid);
    if let Some(held) = s.records.get(&key)
        && held.version >= version
    {
        let msg = format!(
            "{id}: Version {version} nach Version {} erhalten",
            held.version
        );
        s.problems.push(msg);
        return;
    }
    s.records.insert(
        key,
        Held {
            version,
            op,
            data: data["data"].clone(),
        },
    );
}

/// A `multipart/form-data` body as a partner sends it: a JSON part named `json_name`, then one
/// part per file `(part name, file name, content)`. Returns the content type and the body.
/// Written out by hand so that tests can send what a client library would refuse (file names
/// with paths, unknown part names).
pub fn multipart_body(
    json_name: &str,
    json: &serde_json::Value,
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "immohub-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{json_name}\"\r\n\
         Content-Type: application/json\r\n\r\n{json}\r\n"
    )
    .into_bytes();
    for (name, file, content) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
