//! One case per encoding and form: the identifier is embedded in noise and must be found once,
//! in the expected form, at the expected offset.

mod common;

use encoding_rs::{EUC_JP, SHIFT_JIS};
use kyoyu_scan::{Category, Scanner};

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn utf16be(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let word = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(word >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn every_form_is_found_once_where_it_is() {
    let scanner = common::profile();
    let b64 = |prefix: &str, text: &str| base64(format!("{prefix}{text} tail").as_bytes());
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "ascii, other case",
            b"EXAMPLE-denki.CO.JP".to_vec(),
            "example-denki.co.jp",
            "ascii",
        ),
        (
            "utf-16le",
            utf16le("Example-Denki.co.jp"),
            "example-denki.co.jp",
            "utf-16le",
        ),
        (
            "utf-16be",
            utf16be("example-denki.co.jp"),
            "example-denki.co.jp",
            "utf-16be",
        ),
        (
            "japanese utf-8",
            "東京電機".as_bytes().to_vec(),
            "東京電機",
            "utf-8",
        ),
        (
            "japanese utf-16le",
            utf16le("東京電機"),
            "東京電機",
            "utf-16le",
        ),
        (
            "japanese utf-16be",
            utf16be("東京電機"),
            "東京電機",
            "utf-16be",
        ),
        (
            "shift_jis",
            SHIFT_JIS.encode("東京電機").0.to_vec(),
            "東京電機",
            "shift_jis",
        ),
        (
            "euc-jp",
            EUC_JP.encode("東京電機").0.to_vec(),
            "東京電機",
            "euc-jp",
        ),
        (
            "person without space",
            "山田太郎".as_bytes().to_vec(),
            "山田 太郎",
            "utf-8",
        ),
        (
            "person, ideographic space, sjis",
            SHIFT_JIS.encode("山田\u{3000}太郎").0.to_vec(),
            "山田 太郎",
            "shift_jis",
        ),
        (
            "fullwidth utf-8",
            "ＥＸＡＭＰＬＥ\u{3000}ＤＥＮＫＩ".as_bytes().to_vec(),
            "Example Denki",
            "fullwidth",
        ),
        (
            "fullwidth shift_jis",
            SHIFT_JIS
                .encode("ｅｘａｍｐｌｅ\u{3000}ｄｅｎｋｉ")
                .0
                .to_vec(),
            "Example Denki",
            "fullwidth",
        ),
        (
            "percent",
            b"q=Example%20Denki&x".to_vec(),
            "Example Denki",
            "percent",
        ),
        (
            "percent, utf-8 japanese",
            b"%E6%9D%B1%E4%BA%AC%E9%9B%BB%E6%A9%9F".to_vec(),
            "東京電機",
            "percent",
        ),
        (
            "base64, alignment 0",
            b64("", "example-denki.co.jp").into_bytes(),
            "example-denki.co.jp",
            "base64",
        ),
        (
            "base64, alignment 1",
            b64("a", "example-denki.co.jp").into_bytes(),
            "example-denki.co.jp",
            "base64",
        ),
        (
            "base64, alignment 2",
            b64("ab", "example-denki.co.jp").into_bytes(),
            "example-denki.co.jp",
            "base64",
        ),
        (
            "base64 of utf-16le",
            base64(&utf16le("xexample-denki.co.jp")).into_bytes(),
            "example-denki.co.jp",
            "base64",
        ),
        (
            "punycode",
            b"http://xn--r8jz45gzmsez4b.jp/".to_vec(),
            "例え電機.jp",
            "punycode",
        ),
        (
            "host pattern suffix",
            b"\\\\FS01.CORP.EXDENKI.LOCAL\\share".to_vec(),
            "corp.exdenki.local",
            "ascii",
        ),
        (
            "account",
            b"user=svc_backup01;".to_vec(),
            "svc_backup01",
            "ascii",
        ),
        (
            "ipv4 in range",
            b"connect 192.0.2.77:8443".to_vec(),
            "192.0.2.0/24",
            "ipv4-in-range",
        ),
        (
            "ipv4 in range, utf-16le",
            utf16le("http://192.0.2.200/"),
            "192.0.2.0/24",
            "ipv4-in-range",
        ),
    ];
    for (what, payload, identifier, form) in cases {
        let mut data = common::noise(300, 7);
        let at = data.len() as u64;
        data.extend_from_slice(&payload);
        data.extend_from_slice(&common::noise(300, 9));
        let hits: Vec<_> = common::found(&scanner, &data)
            .into_iter()
            .filter(|(id, f, _)| id == identifier && f == form)
            .collect();
        assert_eq!(hits.len(), 1, "{what}: {hits:?}");
        let offset = hits[0].2;
        assert!(
            offset >= at && offset < at + payload.len() as u64,
            "{what}: offset {offset}"
        );
    }
}

#[test]
fn addresses_outside_the_range_and_dotted_versions_are_not_reported() {
    let scanner = common::profile();
    for text in ["192.0.3.1", "v192.0.2.1.5", "10.192.0.2.4", "1192.0.2.1"] {
        assert_eq!(common::found(&scanner, text.as_bytes()), vec![], "{text}");
    }
}

#[test]
fn xor_forms_only_in_deep_mode() {
    let xored: Vec<u8> = b"svc_backup01".iter().map(|b| b ^ 0x5a).collect();
    let mut data = common::noise(100, 3);
    data.extend_from_slice(&xored);
    let normal = Scanner::builder()
        .identifier(Category::Account, "svc_backup01")
        .build()
        .unwrap();
    assert!(common::found(&normal, &data).is_empty());
    let deep = Scanner::builder()
        .identifier(Category::Account, "svc_backup01")
        .deep_xor(true)
        .build()
        .unwrap();
    let hits = common::found(&deep, &data);
    assert_eq!(hits, vec![("svc_backup01".into(), "xor:0x5a".into(), 100)]);
}

#[test]
fn too_short_identifiers_are_refused() {
    let error = Scanner::builder()
        .identifier(Category::Name, "X")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("minimum is 2"), "{error}");
}

#[test]
fn scanner_is_send_and_sync() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Scanner>();
}
