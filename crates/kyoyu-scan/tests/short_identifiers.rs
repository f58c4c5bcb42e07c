//! The short-identifier rule: ASCII identifiers of at most 3 characters ("EXD") match only as a
//! whole word inside text, in the case written, as ASCII or UTF-16.

mod common;

#[test]
fn short_identifier_rule() {
    let scanner = common::profile();
    let cases: &[(&str, &[u8], usize)] = &[
        (
            "word in an English sentence",
            b"Report from the EXD security team.",
            1,
        ),
        (
            "word in Japanese text",
            "EXD社の情報システム部".as_bytes(),
            1,
        ),
        ("at the very start of the input", b"EXD: internal", 1),
        ("inside a longer word", b"the TEXDRIVE and EXDX tools", 0),
        ("other case", b"the exd team and Exd", 0),
        (
            "in binary, not text",
            b"\x00\x01\x02\xff\x10\x11EXD\x00\x9c\x03\x04\x88\x01",
            0,
        ),
    ];
    for (what, input, want) in cases {
        let hits = common::found(&scanner, input)
            .into_iter()
            .filter(|(id, _, _)| id == "EXD")
            .count();
        assert_eq!(hits, *want, "{what}");
    }
    let wide: Vec<u8> = "user EXD admin"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(common::found(&scanner, &wide).len(), 1);
}

#[test]
fn short_identifier_does_not_drown_a_binary_in_noise() {
    // 8 MiB of random bytes contain "EXD" about 0.5 times by chance and "exd" in any case
    // about 4 times; two-letter identifiers far more. None may be reported.
    let scanner = kyoyu_scan::Scanner::builder()
        .identifier(kyoyu_scan::Category::Name, "EXD")
        .identifier(kyoyu_scan::Category::Name, "KY")
        .build()
        .unwrap();
    let data = common::noise(8 << 20, 42);
    let raw = data.windows(2).filter(|w| w == b"KY").count();
    assert!(raw > 50, "the noise should contain the bare letters: {raw}");
    assert_eq!(common::found(&scanner, &data), vec![]);
}
