//! Leads: what an anonymous submission must look like, and the sales pipeline
//! `NEW -> CONTACTED -> QUALIFIED -> CONVERTED`, with LOST possible from any open stage.

use crate::enums::KairoLeadStatus;
use crate::error::KairoError;

/// An e-mail address of the shape the table's CHECK accepts (`local@domain.tld`, letters in
/// the top-level domain), at most 254 characters.
pub fn email(value: &str) -> Result<String, KairoError> {
    let value = value.trim();
    let invalid = || KairoError::invalid("email", "INVALID_EMAIL", "Enter a valid e-mail address");
    if value.len() > 254 || value.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let (host, tld) = domain.rsplit_once('.').ok_or_else(invalid)?;
    let host_ok = !host.is_empty()
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c));
    let tld_ok = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
    if local_ok && host_ok && tld_ok {
        Ok(value.to_owned())
    } else {
        Err(invalid())
    }
}

/// The honeypot: a field people never see, so never fill. A bot that filled it is refused
/// (and nothing is stored).
pub fn honeypot(value: Option<&str>) -> Result<(), KairoError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Err(KairoError::invalid(
            "website",
            "SPAM_SUSPECTED",
            "The submission was refused",
        )),
        _ => Ok(()),
    }
}

/// Whether the pipeline allows `from -> to`.
pub fn transition(from: KairoLeadStatus, to: KairoLeadStatus) -> Result<(), KairoError> {
    use KairoLeadStatus::*;
    let allowed = matches!(
        (from, to),
        (New, Contacted)
            | (Contacted, Qualified)
            | (Qualified, Converted)
            | (New | Contacted | Qualified, Lost)
    );
    if allowed {
        Ok(())
    } else {
        Err(KairoError::Transition {
            what: "A lead",
            from: from.as_db(),
            to: to.as_db(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KairoLeadStatus::*;

    #[test]
    fn emails_of_the_right_shape_pass() {
        assert_eq!(email(" ada@example.com ").expect("ok"), "ada@example.com");
        assert!(email("ada.lovelace+kairo@mail.example.co").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@example.c0m",
            "a b@x.io",
        ] {
            assert!(email(bad).is_err(), "{bad} passed");
        }
    }

    #[test]
    fn a_filled_honeypot_is_refused() {
        assert!(honeypot(None).is_ok());
        assert!(honeypot(Some("  ")).is_ok());
        assert!(matches!(
            honeypot(Some("http://spam")),
            Err(KairoError::Invalid {
                reason: "SPAM_SUSPECTED",
                ..
            })
        ));
    }

    #[test]
    fn the_pipeline_moves_forward_or_to_lost() {
        assert!(transition(New, Contacted).is_ok());
        assert!(transition(Contacted, Qualified).is_ok());
        assert!(transition(Qualified, Converted).is_ok());
        assert!(transition(New, Lost).is_ok());
        assert!(transition(Qualified, Lost).is_ok());
        assert!(transition(New, Qualified).is_err());
        assert!(transition(New, Converted).is_err());
        assert!(transition(Converted, Lost).is_err());
        assert!(transition(Lost, New).is_err());
        assert!(transition(Contacted, New).is_err());
    }
}
