//! Redaction of text items.

mod common;

use kyoyu_scan::{Category, Form};

#[test]
fn identifiers_in_text_are_replaced_and_listed() {
    let scanner = common::profile();
    let text = "東京電機の山田太郎です。C2 beacons to https://Example-Denki.co.jp/x from 192.0.2.15 \
                (host fs01.corp.exdenki.local, EXD team).";
    let (redacted, changes) = scanner.redact_text(text);
    assert_eq!(
        redacted,
        "[REDACTED:name]の[REDACTED:person]です。C2 beacons to https://[REDACTED:domain]/x from \
         [REDACTED:ip_range] (host fs01.[REDACTED:hostname], [REDACTED:name] team)."
    );
    let summary: Vec<_> = changes
        .iter()
        .map(|c| (c.original.as_str(), c.category, c.form))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("東京電機", Category::Name, Form::Utf8),
            ("山田太郎", Category::Person, Form::Utf8),
            ("Example-Denki.co.jp", Category::Domain, Form::Ascii),
            ("192.0.2.15", Category::IpRange, Form::Ipv4InRange),
            ("corp.exdenki.local", Category::Hostname, Form::Ascii),
            ("EXD", Category::Name, Form::Ascii),
        ]
    );
    assert_eq!(&text[changes[2].offset..][..19], "Example-Denki.co.jp");
}

#[test]
fn clean_text_is_unchanged() {
    let scanner = common::profile();
    let (redacted, changes) = scanner.redact_text("nothing to see, 10.0.0.1, text");
    assert_eq!(redacted, "nothing to see, 10.0.0.1, text");
    assert!(changes.is_empty());
}
