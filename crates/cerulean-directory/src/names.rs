//! Validation of the names people type: domain names, UPNs, display names.

use crate::error::DirectoryError;

/// Checks and lower-cases a DNS domain name (`contoso.test`).
pub fn domain_name(input: &str) -> Result<String, DirectoryError> {
    let name = input.trim().trim_end_matches('.').to_ascii_lowercase();
    let invalid = |why: &str| DirectoryError::Invalid {
        field: "domain",
        reason: format!("'{input}' is not a domain name: {why}"),
    };
    if name.is_empty() || name.len() > 253 {
        return Err(invalid("it must be 1 to 253 characters long"));
    }
    if !name.contains('.') {
        return Err(invalid("it needs at least two labels, like contoso.com"));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(invalid("each label must be 1 to 63 characters long"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(invalid("a label cannot start or end with '-'"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid("only letters, digits, '-' and '.' are allowed"));
        }
    }
    Ok(name)
}

/// Splits and checks a user principal name; returns (upn as given but trimmed, domain).
pub fn upn(input: &str) -> Result<(String, String), DirectoryError> {
    let upn = input.trim();
    let invalid = |why: &str| DirectoryError::Invalid {
        field: "upn",
        reason: format!("'{upn}' is not a user principal name: {why}"),
    };
    let Some((local, domain)) = upn.rsplit_once('@') else {
        return Err(invalid("it must look like name@domain"));
    };
    if local.is_empty() || local.len() > 64 {
        return Err(invalid("the part before '@' must be 1 to 64 characters"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(invalid("dots cannot start, end or repeat in the name"));
    }
    const ALLOWED: &str = ".!#$%&'*+/=?^_`{|}~-";
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ALLOWED.contains(c))
    {
        return Err(invalid(
            "the name contains a character Entra does not allow",
        ));
    }
    let domain = domain_name(domain)?;
    Ok((format!("{local}@{domain}"), domain))
}

/// Checks a display name: non-empty after trimming, at most 256 characters, no controls.
pub fn display_name(field: &'static str, input: &str) -> Result<String, DirectoryError> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(DirectoryError::Invalid {
            field,
            reason: "must be 1 to 256 characters".to_string(),
        });
    }
    if name.chars().any(char::is_control) {
        return Err(DirectoryError::Invalid {
            field,
            reason: "must not contain control characters".to_string(),
        });
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_lowercased_and_checked() {
        assert_eq!(domain_name("Contoso.Test.").unwrap(), "contoso.test");
        assert!(domain_name("localhost").is_err());
        assert!(domain_name("-a.test").is_err());
        assert!(domain_name("a_b.test").is_err());
        assert!(domain_name("").is_err());
    }

    #[test]
    fn upns_split_and_normalise_domain() {
        let (upn, domain) = upn("Alice@Contoso.TEST").unwrap();
        assert_eq!(upn, "Alice@contoso.test");
        assert_eq!(domain, "contoso.test");
        assert!(super::upn("alice").is_err());
        assert!(super::upn("@contoso.test").is_err());
        assert!(super::upn("a..b@contoso.test").is_err());
        assert!(super::upn("a b@contoso.test").is_err());
    }
}
