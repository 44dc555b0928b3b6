//! SHR-3: the link placeholder of letter and e-mail templates. estateOffice's field
//! `{Feld:OImmoCloudLink}` and the short form `{{link}}` are replaced by the recipient's
//! personal link; `{Feld:Name}` / `{{name}}` by the recipient's name and
//! `{Feld:Objekt}` / `{{room}}` by the room's title.

/// The placeholders of the link.
pub const LINK_PLACEHOLDERS: [&str; 2] = ["{Feld:OImmoCloudLink}", "{{link}}"];

/// Values for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields<'a> {
    pub link: &'a str,
    pub name: &'a str,
    pub room: &'a str,
}

/// Renders `template` for one recipient.
pub fn render(template: &str, f: &Fields<'_>) -> String {
    let mut out = template.to_owned();
    for p in LINK_PLACEHOLDERS {
        out = out.replace(p, f.link);
    }
    for p in ["{Feld:Name}", "{{name}}"] {
        out = out.replace(p, f.name);
    }
    for p in ["{Feld:Objekt}", "{{room}}"] {
        out = out.replace(p, f.room);
    }
    out
}

/// Whether a template contains the link placeholder (a template without it would send no
/// link).
pub fn has_link(template: &str) -> bool {
    LINK_PLACEHOLDERS.iter().any(|p| template.contains(p))
}

/// The default e-mail text (German).
pub const DEFAULT_SUBJECT: &str = "Unterlagen zu {Feld:Objekt}";
pub const DEFAULT_BODY: &str = "Guten Tag {Feld:Name},\n\nüber Ihren persönlichen Link \
finden Sie die Unterlagen zu {Feld:Objekt}:\n\n{Feld:OImmoCloudLink}\n\nDer Link ist nur \
für Sie bestimmt; bitte geben Sie ihn nicht weiter.\n\nMit freundlichen Grüßen\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shr_3_placeholders_are_rendered_per_recipient() {
        let f = Fields {
            link: "https://x/r/abc",
            name: "Erika Muster",
            room: "Elbstraße 1",
        };
        let out = render(
            "Hallo {{name}}: {Feld:OImmoCloudLink} ({{link}}) {Feld:Objekt}",
            &f,
        );
        assert_eq!(
            out,
            "Hallo Erika Muster: https://x/r/abc (https://x/r/abc) Elbstraße 1"
        );
        assert!(has_link(DEFAULT_BODY));
        assert!(!has_link("kein Link"));
    }
}
