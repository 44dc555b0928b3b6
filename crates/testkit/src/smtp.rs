//! A real SMTP server for tests: mailin-embedded on a loopback port, keeping every message it
//! accepts with its envelope. Messages are decoded by mail-parser (RFC 2047 subjects,
//! quoted-printable or base64 bodies), so tests read what a mail client would show.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail_parser::MessageParser;
use mailin_embedded::response::{OK, Response};
use mailin_embedded::{Handler, Server};

/// One message as received: envelope and decoded content.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// `MAIL FROM` of the envelope.
    pub envelope_from: String,
    /// `RCPT TO` of the envelope.
    pub envelope_to: Vec<String>,
    /// The `Subject` header, decoded.
    pub subject: String,
    /// The `From` header's address.
    pub from: String,
    /// The first text body, decoded.
    pub body: String,
    /// The message as it arrived (headers and encoded body).
    pub raw: String,
}

#[derive(Clone, Default)]
struct Session {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    done: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl Handler for Session {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_owned();
        self.to.clear();
        OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.to_owned());
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let raw = std::mem::take(&mut self.data);
        let parsed = MessageParser::default().parse(&raw[..]);
        let mail = ReceivedMail {
            envelope_from: self.from.clone(),
            envelope_to: std::mem::take(&mut self.to),
            subject: parsed
                .as_ref()
                .and_then(|m| m.subject())
                .unwrap_or_default()
                .to_owned(),
            from: parsed
                .as_ref()
                .and_then(|m| m.from())
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned(),
            body: parsed
                .as_ref()
                .and_then(|m| m.body_text(0))
                .map(|b| b.into_owned())
                .unwrap_or_default(),
            raw: String::from_utf8_lossy(&raw).into_owned(),
        };
        self.done.lock().unwrap().push(mail);
        OK
    }
}

/// The running server; its thread lives as long as the test process.
pub struct SmtpServer {
    /// Loopback port (host 127.0.0.1, no TLS, no authentication).
    pub port: u16,
    done: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let session = Session::default();
        let done = session.done.clone();
        let mut server = Server::new(session);
        server.with_name("mail.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, done }
    }

    /// Every message received so far, in order of arrival.
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.done.lock().unwrap().clone()
    }

    /// Waits (polling, without blocking a runtime thread for long) until at least `n`
    /// messages arrived or `timeout` passed; returns what arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.mails();
            if mails.len() >= n || Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A `[mail]` section of `immohub.toml` that sends to this server.
    pub fn config_section(&self, from: &str) -> String {
        format!(
            "\n[mail]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"{from}\"\n",
            self.port
        )
    }
}
