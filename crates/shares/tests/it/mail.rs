//! SHR-3 and sending links: a real SMTP server (mailin-embedded) on a loopback port.

use immohub_shares::SharesConfig;
use immohub_shares::mail::{MailSettings, MailTls, Mailer};
use immohub_testkit::smtp::SmtpServer;
use serde_json::json;

use crate::support::start_with;

#[tokio::test]
async fn shr_3_send_link_by_smtp_renders_the_placeholder_per_recipient() {
    let smtp = SmtpServer::start();
    let settings = MailSettings {
        host: "127.0.0.1".to_owned(),
        port: smtp.port,
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
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].envelope_to, ["max@example.de"]);
    assert_eq!(mails[0].from, "vermietung@elbufer.example");
    assert!(
        mails[0].subject.starts_with("Ihre Unterlagen: "),
        "{}",
        mails[0].subject
    );
    let mail = &mails[0].body;
    assert!(mail.contains("Hallo Max Mustermann"), "{mail}");
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
