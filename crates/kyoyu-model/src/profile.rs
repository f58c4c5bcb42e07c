//! The victim organization's identity profile (the contract's `[organization]`).
//!
//! Key decision: the profile lists what *points at* the organization — names, domains, hosts,
//! accounts, people, address ranges — and nothing else, because its one use is rule G6: checking
//! that technical information leaving the organization does not identify it.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::InvalidValue;

/// A host-name pattern: a literal name, or `*.` followed by a domain suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostnamePattern {
    pattern: String,
}

impl HostnamePattern {
    /// Validates a pattern: non-empty, no blanks, a wildcard only as a leading `*.`.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let pattern = text.trim().to_lowercase();
        let literal = pattern.strip_prefix("*.").unwrap_or(&pattern);
        if literal.is_empty() || literal.contains('*') || literal.contains(char::is_whitespace) {
            return Err(InvalidValue::new(
                format!(
                    "`{text}` はホスト名のパターンではありません。`fs01.corp.example` や `*.corp.example` の形で書いてください"
                ),
                format!(
                    "`{text}` is not a host-name pattern; expected a name such as `fs01.corp.example` or `*.corp.example`"
                ),
            ));
        }
        Ok(HostnamePattern { pattern })
    }

    /// The pattern as written (lower case).
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The literal part that any matching host name contains (`corp.example` for `*.corp.example`).
    pub fn literal(&self) -> &str {
        self.pattern.strip_prefix("*.").unwrap_or(&self.pattern)
    }

    /// True when `host` is matched by the pattern (case-insensitive).
    pub fn matches(&self, host: &str) -> bool {
        let host = host.to_lowercase();
        match self.pattern.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() && host.ends_with(&format!(".{suffix}")),
            None => host == self.pattern,
        }
    }
}

/// What identifies the victim organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentityProfile {
    /// Names the organization goes by, in every language and abbreviation.
    pub names: Vec<String>,
    /// Its domains.
    pub domains: Vec<String>,
    /// Its e-mail domains.
    pub email_domains: Vec<String>,
    /// Its IP address ranges.
    pub ip_ranges: Vec<IpNet>,
    /// Its internal host-name patterns.
    pub hostnames: Vec<HostnamePattern>,
    /// Its account names (service accounts, user ids).
    pub accounts: Vec<String>,
    /// Its people's names.
    pub people: Vec<String>,
}

/// Which part of the profile an identifier comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierCategory {
    /// `names`.
    Name,
    /// `domains`.
    Domain,
    /// `email_domains`.
    EmailDomain,
    /// `hostnames` (the literal part).
    Hostname,
    /// `accounts`.
    Account,
    /// `people`.
    Person,
}

impl IdentityProfile {
    /// True when the profile lists nothing.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.domains.is_empty()
            && self.email_domains.is_empty()
            && self.ip_ranges.is_empty()
            && self.hostnames.is_empty()
            && self.accounts.is_empty()
            && self.people.is_empty()
    }

    /// Every textual identifier with its category (IP ranges are matched separately).
    pub fn text_identifiers(&self) -> impl Iterator<Item = (IdentifierCategory, &str)> {
        fn listed(
            values: &[String],
            category: IdentifierCategory,
        ) -> impl Iterator<Item = (IdentifierCategory, &str)> {
            values.iter().map(move |value| (category, value.as_str()))
        }
        listed(&self.names, IdentifierCategory::Name)
            .chain(listed(&self.domains, IdentifierCategory::Domain))
            .chain(listed(&self.email_domains, IdentifierCategory::EmailDomain))
            .chain(
                self.hostnames
                    .iter()
                    .map(|pattern| (IdentifierCategory::Hostname, pattern.literal())),
            )
            .chain(listed(&self.accounts, IdentifierCategory::Account))
            .chain(listed(&self.people, IdentifierCategory::Person))
            .filter(|(_, value)| !value.trim().is_empty())
    }

    /// The profile range that contains `address`, if any.
    pub fn range_containing(&self, address: IpAddr) -> Option<&IpNet> {
        self.ip_ranges.iter().find(|range| range.contains(&address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_patterns_match_subdomains_only() {
        let pattern = HostnamePattern::parse("*.corp.Example.local").expect("valid pattern");
        assert!(pattern.matches("fs01.CORP.example.local"));
        assert!(!pattern.matches("corp.example.local"));
        assert_eq!(pattern.literal(), "corp.example.local");
        assert!(HostnamePattern::parse("a*.b").is_err());
        assert!(HostnamePattern::parse("*.").is_err());
    }

    #[test]
    fn ranges_contain_addresses() {
        let profile = IdentityProfile {
            ip_ranges: vec!["198.51.100.0/24".parse().expect("valid range")],
            ..IdentityProfile::default()
        };
        assert!(
            profile
                .range_containing("198.51.100.7".parse().expect("ip"))
                .is_some()
        );
        assert!(
            profile
                .range_containing("198.51.101.7".parse().expect("ip"))
                .is_none()
        );
    }
}
