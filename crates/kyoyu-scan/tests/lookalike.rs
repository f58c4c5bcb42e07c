//! One case per lookalike kind, plus names that must not be flagged.

use kyoyu_scan::lookalike::{LookalikeDetector, LookalikeKind};

#[test]
fn each_kind_of_lookalike_is_found() {
    let detector = LookalikeDetector::new(["example-denki.co.jp", "exdenki.com"]);
    let cases = [
        ("exampel-denki.co.jp", LookalikeKind::EditDistance),
        ("https://examp1e-denki.com/login", LookalikeKind::Homoglyph),
        ("exarnple-denki.net", LookalikeKind::Homoglyph),
        ("example-denki-login.com", LookalikeKind::BrandToken),
        (
            "hxxp://example-denki.co.jp.secure-update[.]net/",
            LookalikeKind::BrandToken,
        ),
        ("example-denki.com", LookalikeKind::BrandToken),
        ("xn--exmple-denki-y9j.co.jp", LookalikeKind::IdnHomograph),
        ("exаmple-denki.jp", LookalikeKind::IdnHomograph),
        ("exdenkl.com", LookalikeKind::EditDistance),
    ];
    for (candidate, kind) in cases {
        let findings = detector.check(candidate);
        assert_eq!(
            findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
            vec![kind],
            "{candidate}: {findings:?}"
        );
        assert!(!findings[0].explanation.is_empty());
    }
}

#[test]
fn own_and_unrelated_names_are_not_lookalikes() {
    let detector = LookalikeDetector::new(["example-denki.co.jp"]);
    for candidate in [
        "example-denki.co.jp",
        "https://mail.example-denki.co.jp/owa",
        "update-server.top",
        "example.com",
        "",
    ] {
        assert_eq!(detector.check(candidate), vec![], "{candidate}");
    }
}
