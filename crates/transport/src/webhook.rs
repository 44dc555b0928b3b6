//! Webhook deliveries signed per the Standard Webhooks scheme
//! (<https://www.standardwebhooks.com/>):
//!
//! * `webhook-id`: the message's idempotency key, the same on every retry;
//! * `webhook-timestamp`: seconds since the epoch of this attempt;
//! * `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, several separated by
//!   spaces while a secret rotation overlaps (old and new secret).
//!
//! Secrets are `whsec_` followed by base64 of 32 random bytes; the HMAC key is the decoded bytes.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("Webhook-Geheimnis ist ungültig (erwartet whsec_ gefolgt von Base64)")]
    BadSecret,
    #[error("Signatur passt nicht")]
    BadSignature,
    #[error("Zeitstempel fehlt, ist ungültig oder liegt außerhalb der Toleranz")]
    BadTimestamp,
    #[error("HTTP-Client konnte nicht erstellt werden: {0}")]
    Client(String),
}

/// A signing secret (the decoded key bytes).
pub struct SigningSecret(SecretBox<[u8]>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}

impl SigningSecret {
    /// A new random secret and its text form (`whsec_…`), shown to the partner once.
    pub fn generate() -> (SigningSecret, SecretString) {
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let text = format!("{SECRET_PREFIX}{}", STANDARD.encode(&key));
        (
            SigningSecret(SecretBox::new(key.into_boxed_slice())),
            SecretString::from(text),
        )
    }

    /// Parses `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn parse(text: &str) -> Result<SigningSecret, WebhookError> {
        let b64 = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let key = STANDARD.decode(b64).map_err(|_| WebhookError::BadSecret)?;
        if key.is_empty() {
            return Err(WebhookError::BadSecret);
        }
        Ok(SigningSecret(SecretBox::new(key.into_boxed_slice())))
    }

    /// Base64 HMAC-SHA256 of `id.timestamp.body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
        let Ok(mut mac) = HmacSha256::new_from_slice(self.0.expose_secret()) else {
            return String::new();
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

/// The `webhook-signature` header value for all `secrets` (current first).
pub fn signature_header(
    secrets: &[SigningSecret],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| format!("v1,{}", s.sign(id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a partner does with a delivery: checks that the timestamp is within `tolerance` of `now`
/// and that one of the `v1` signatures in `signature_header` was made with `secret`.
pub fn verify(
    secret: &SigningSecret,
    id: &str,
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let ts: i64 = timestamp.parse().map_err(|_| WebhookError::BadTimestamp)?;
    let tol = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if (now.timestamp() - ts).abs() > tol {
        return Err(WebhookError::BadTimestamp);
    }
    let expected = secret.sign(id, ts, body);
    let ok = signature_header
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|sig| constant_time_eq(sig.as_bytes(), expected.as_bytes()));
    if ok {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One message to deliver.
#[derive(Debug, Clone)]
pub struct Message {
    /// Idempotency key: the same on every attempt.
    pub id: String,
    /// JSON body, byte-identical on every attempt.
    pub body: Vec<u8>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// 2xx: the partner confirmed the message.
    Delivered { status: u16 },
    /// Transient: network error, timeout, truncated answer, 408, 425, 429 or 5xx. Try again,
    /// not before `retry_after` when the partner said so.
    Retry {
        status: Option<u16>,
        retry_after: Option<Duration>,
        error: String,
    },
    /// The partner refused the message itself (other 4xx): retrying the same bytes cannot help.
    Rejected { status: u16, message: String },
    /// 410 Gone: the endpoint no longer exists; it is switched off.
    Gone,
}

impl Attempt {
    /// German one-line description for the protocol.
    pub fn describe(&self) -> String {
        match self {
            Attempt::Delivered { status } => format!("zugestellt (HTTP {status})"),
            Attempt::Retry {
                status: Some(s),
                error,
                ..
            } => format!("HTTP {s}: {error}"),
            Attempt::Retry {
                status: None,
                error,
                ..
            } => error.clone(),
            Attempt::Rejected { status, message } => {
                format!("vom Partner abgelehnt (HTTP {status}): {message}")
            }
            Attempt::Gone => "Endpunkt existiert nicht mehr (HTTP 410)".to_owned(),
        }
    }
}

/// Sends signed messages over HTTP(S).
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
}

impl WebhookClient {
    /// A client with the given timeout per attempt (connect, send, answer).
    pub fn new(timeout: Duration) -> Result<WebhookClient, WebhookError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("immohub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WebhookError::Client(e.to_string()))?;
        Ok(WebhookClient { http })
    }

    /// One attempt: signs with every secret (current first) and classifies the answer. The
    /// answer's body is read (so a truncated answer counts as failed), at most 2 KiB of it kept.
    pub async fn send(
        &self,
        url: &str,
        msg: &Message,
        secrets: &[SigningSecret],
        now: DateTime<Utc>,
    ) -> Attempt {
        let timestamp = now.timestamp();
        let request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &msg.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature_header(secrets, &msg.id, timestamp, &msg.body),
            )
            .body(msg.body.clone());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    status: None,
                    retry_after: None,
                    error: describe_reqwest(&e),
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, now));
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Retry {
                    status: Some(status),
                    retry_after,
                    error: format!("Antwort unvollständig: {}", describe_reqwest(&e)),
                };
            }
        };
        let text = String::from_utf8_lossy(&body[..body.len().min(2048)])
            .trim()
            .to_owned();
        classify(status, retry_after, text)
    }
}

fn classify(status: u16, retry_after: Option<Duration>, text: String) -> Attempt {
    match status {
        200..=299 => Attempt::Delivered { status },
        410 => Attempt::Gone,
        408 | 425 | 429 | 500..=599 => Attempt::Retry {
            status: Some(status),
            retry_after,
            error: if text.is_empty() {
                reason(status).to_owned()
            } else {
                text
            },
        },
        // 1xx/3xx (redirects are not followed) and other 4xx: the partner refuses this message.
        _ => Attempt::Rejected {
            status,
            message: if text.is_empty() {
                reason(status).to_owned()
            } else {
                text
            },
        },
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        300..=399 => "Weiterleitung (wird nicht verfolgt)",
        400 => "ungültige Anfrage",
        401 | 403 => "nicht berechtigt",
        404 => "nicht gefunden",
        408 => "Zeitüberschreitung beim Partner",
        413 => "Nachricht zu groß",
        422 => "Inhalt abgelehnt",
        429 => "zu viele Anfragen",
        500..=599 => "Serverfehler beim Partner",
        _ => "unerwartete Antwort",
    }
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    // reqwest's messages carry the URL, which may hold a token in its query: name the kind only.
    if e.is_timeout() {
        "Zeitüberschreitung".to_owned()
    } else if e.is_connect() {
        "Verbindung fehlgeschlagen".to_owned()
    } else if e.is_body() || e.is_decode() {
        "Antwort unvollständig oder fehlerhaft".to_owned()
    } else if e.is_request() {
        "Anfrage fehlgeschlagen (Verbindung abgebrochen)".to_owned()
    } else {
        "HTTP-Fehler".to_owned()
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference test vectors.
    #[test]
    fn gen_12_signature_matches_the_reference_vector() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let ts = 1614265330;
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature_header(&[secret], id, ts, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn gen_12_verify_accepts_either_secret_during_rotation_and_rejects_tampering() {
        let (old, _) = SigningSecret::generate();
        let (new, new_text) = SigningSecret::generate();
        let now = Utc::now();
        let body = br#"{"a":1}"#;
        let header = signature_header(&[new, old], "m1", now.timestamp(), body);
        assert_eq!(header.split(' ').count(), 2);
        let new = SigningSecret::parse(new_text.expose_secret()).unwrap();
        let ts = now.timestamp().to_string();
        let tol = Duration::from_secs(300);
        verify(&new, "m1", &ts, &header, body, now, tol).unwrap();
        let (other, _) = SigningSecret::generate();
        assert!(matches!(
            verify(&other, "m1", &ts, &header, body, now, tol),
            Err(WebhookError::BadSignature)
        ));
        assert!(matches!(
            verify(&new, "m1", &ts, &header, br#"{"a":2}"#, now, tol),
            Err(WebhookError::BadSignature)
        ));
        let late = now + chrono::Duration::seconds(301);
        assert!(matches!(
            verify(&new, "m1", &ts, &header, body, late, tol),
            Err(WebhookError::BadTimestamp)
        ));
        assert!(format!("{new:?}").contains("***"));
    }

    #[test]
    fn gen_11_answers_are_classified() {
        assert_eq!(
            classify(204, None, String::new()),
            Attempt::Delivered { status: 204 }
        );
        assert!(matches!(
            classify(503, None, String::new()),
            Attempt::Retry {
                status: Some(503),
                ..
            }
        ));
        assert!(matches!(
            classify(429, Some(Duration::from_secs(7)), String::new()),
            Attempt::Retry {
                retry_after: Some(d),
                ..
            } if d == Duration::from_secs(7)
        ));
        assert!(matches!(
            classify(422, None, "plz fehlt".into()),
            Attempt::Rejected { status: 422, ref message } if message == "plz fehlt"
        ));
        assert_eq!(classify(410, None, String::new()), Attempt::Gone);
        let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("bald", now), None);
    }
}
