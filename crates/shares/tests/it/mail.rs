//! SHR-3 and sending links: a real SMTP server (mailin-embedded) on a loopback port.

use std::sync::{Arc, Mutex};

use immohub_shares::SharesConfig;
use immohub_shares::mail::{MailSettings, MailTls, Mailer};
use mailin_embedded::response::{OK, Response};
use mailin_embedded::{Handler, Server};
use serde_json::json;

use crate::support::start_with;

#[derive(Clone, Default)]
struct Inbox {
    current: Arc<Mutex<Vec<u8>>>,
    done: Arc<Mutex<Vec<String>>>,
}

impl Handler for Inbox {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.lock().unwrap().extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = std::mem::take(&mut *self.current.lock().unwrap());
        self.done
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&mail).into_owned());
        OK
    }
}

/// Decodes quoted-printable soft line breaks and `=XX` escapes (enough for the test).
fn unqp(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if b[i] == b'='
            && let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn shr_3_send_link_by_smtp_renders_the_placeholder_per_recipient() {
    let inbox = Inbox::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(inbox.clone());
    server.with_name("mail.test").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    let settings = MailSettings {
        host: "127.0.0.1".to_owned(),
        port,
        tls: MailTls::None,
        user: None,
        password: None,
        from: "Vermietung <vermietung@elbufer.example>".to_owned(),
    };
    let env = start_with(SharesConfig::default(), |s| {
        s.with_mailer(Mailer::new(&settings, None).unwrap())
    })
    .await;
    let room = env.room("1.300.1.1", false).await;
    let (rid, old_token) = env.recipient(room, "max@example.de").await;
    let (status, sent) = env
        .staff_post(
            &format!("/staff/v1/recipients/{rid}/send-link"),
            json!({"subject": "Ihre Unterlagen: {Feld:Objekt}",
                   "body": "Hallo {Feld:Name},\nhier: {Feld:OImmoCloudLink}\n"}),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["sent_to"], "max@example.de");
    let mails = inbox.done.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = unqp(&mails[0]);
    assert!(mail.contains("Hallo Max Mustermann"), "{mail}");
    assert!(mail.contains("To: max@example.de"), "{mail}");
    let link_start = mail
        .find(&format!("{}/r/", env.base))
        .expect("link in mail");
    let link: String = mail[link_start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 43);
    assert_eq!(env.get(&format!("/r/{token}")).await.0, 200);
    // The mail's link replaced the earlier one.
    assert_eq!(env.get(&format!("/r/{old_token}")).await.0, 410);

    // A body without the placeholder is refused, naming the field.
    let (status, err) = env
        .staff_post(
            &format!("/staff/v1/recipients/{rid}/send-link"),
            json!({"body": "kein Link"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "body");

    // Rendering for letters (SHR-3) when a link is issued.
    let (status, l) = env
        .staff_post(
            &format!("/staff/v1/recipients/{rid}/link"),
            json!({"template": "Ihr Zugang: {Feld:OImmoCloudLink}"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        l["rendered"].as_str().unwrap(),
        format!("Ihr Zugang: {}", l["link"].as_str().unwrap())
    );
}
