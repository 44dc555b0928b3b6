//! Sending links by e-mail (SMTP through lettre on tokio). Configured by `[mail]`:
//!
//! ```toml
//! [mail]
//! host = "smtp.example.de"
//! port = 587
//! tls = "starttls"          # none | starttls | tls
//! user = "immohub"
//! password = "secret:smtp_password"   # resolved from the encrypted credential store
//! from = "Vermietung <vermietung@example.de>"
//! ```
//!
//! The password never appears in a log or error message.

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::ShareError;

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP (only for a relay on the same host or in tests).
    None,
    /// STARTTLS, required (port 587).
    #[default]
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

/// `[mail]` as written in `immohub.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: MailTls,
    #[serde(default)]
    pub user: Option<String>,
    /// `secret:NAME` (from the encrypted credential store, owner `mail`), never in clear.
    #[serde(default)]
    pub password: Option<String>,
    /// Sender, e.g. `Vermietung <vermietung@example.de>`.
    pub from: String,
}

fn default_port() -> u16 {
    587
}

/// An e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends e-mails over SMTP.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `settings`; `password` is the resolved password (if the server needs one).
    pub fn new(
        settings: &MailSettings,
        password: Option<SecretString>,
    ) -> Result<Mailer, ShareError> {
        let from = settings
            .from
            .parse()
            .map_err(|e| ShareError::invalid("mail.from", format!("keine gültige Adresse: {e}")))?;
        let tls = match settings.tls {
            MailTls::None => Tls::None,
            MailTls::Starttls | MailTls::Tls => {
                let params = TlsParameters::new(settings.host.clone())
                    .map_err(|e| ShareError::Mail(format!("TLS: {e}")))?;
                if settings.tls == MailTls::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(30)));
        if let Some(user) = &settings.user {
            let password = password.ok_or_else(|| {
                ShareError::invalid("mail.password", "fehlt, obwohl mail.user gesetzt ist")
            })?;
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one plain-text e-mail.
    pub async fn send(&self, mail: &Mail) -> Result<(), ShareError> {
        let to = mail
            .to
            .parse()
            .map_err(|e| ShareError::invalid("email", format!("keine gültige Adresse: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| ShareError::Mail(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| ShareError::Mail(format!("Versand fehlgeschlagen: {e}")))?;
        Ok(())
    }
}
