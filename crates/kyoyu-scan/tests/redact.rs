//! Redaction of text items: numbered placeholders, one per distinct value.

mod common;

use kyoyu_scan::{Category, Form, Placeholders};

#[test]
fn identifiers_in_text_are_replaced_and_listed() {
    let scanner = common::profile();
    let text = "東京電機の山田太郎です。C2 beacons to https://Example-Denki.co.jp/x from 192.0.2.15 \
                (host fs01.corp.exdenki.local, EXD team).";
    let (redacted, changes) = scanner.redact_text(text);
    assert_eq!(
        redacted,
        "[name-1]の[person-1]です。C2 beacons to https://[domain-1]/x from [ip-1] \
         (host fs01.[host-1], [name-2] team)."
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

#[test]
fn two_addresses_get_two_placeholders_and_the_same_address_the_same_one() {
    let scanner = common::profile();
    let (redacted, changes) =
        scanner.redact_text("192.0.2.15 talked to 192.0.2.7, then 192.0.2.15 again");
    assert_eq!(redacted, "[ip-1] talked to [ip-2], then [ip-1] again");
    assert_eq!(changes.len(), 3);
}

#[test]
fn an_address_at_an_organization_domain_is_replaced_whole() {
    let scanner = common::profile();
    let (redacted, changes) = scanner.redact_text(
        "from Ichiro.Suzuki@mail.example-denki.co.jp and hanako@example-denki.co.jp; \
         again ichiro.suzuki@MAIL.example-denki.co.jp; web https://example-denki.co.jp/",
    );
    assert_eq!(
        redacted,
        "from [email-1] and [email-2]; again [email-1]; web https://[domain-1]/"
    );
    assert!(!redacted.contains("ichiro") && !redacted.contains("hanako"));
    assert_eq!(
        changes[0].original,
        "Ichiro.Suzuki@mail.example-denki.co.jp"
    );
    assert_eq!(changes[0].category, Category::EmailDomain);
}

#[test]
fn one_table_numbers_consistently_across_texts_and_keeps_the_originals() {
    let scanner = common::profile();
    let mut table = Placeholders::new();
    let (first, _) = scanner.redact_text_with("host a.corp.exdenki.local at 192.0.2.9", &mut table);
    let (second, _) = scanner.redact_text_with(
        "192.0.2.10 and 192.0.2.9 via B.CORP.EXDENKI.LOCAL",
        &mut table,
    );
    assert_eq!(first, "host a.[host-1] at [ip-1]");
    assert_eq!(second, "[ip-2] and [ip-1] via B.[host-1]");
    let entries: Vec<_> = table
        .entries()
        .iter()
        .map(|entry| {
            (
                entry.text.as_str(),
                entry.value.as_str(),
                entry.originals.clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "[host-1]",
                "corp.exdenki.local",
                vec![
                    "corp.exdenki.local".to_owned(),
                    "CORP.EXDENKI.LOCAL".to_owned()
                ]
            ),
            ("[ip-1]", "192.0.2.9", vec!["192.0.2.9".to_owned()]),
            ("[ip-2]", "192.0.2.10", vec!["192.0.2.10".to_owned()]),
        ]
    );
}
