//! Property tests (in the normal test run): the pattern parser, the bundle importer and the
//! validator never panic, whatever the input.

use kyoyu_stix::pattern::Pattern;
use kyoyu_stix::{Validator, import_bundle_slice};
use proptest::prelude::*;

/// Fragments that make random input look like patterns, so the parser gets past the first
/// token often.
fn pattern_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "[",
        "]",
        "(",
        ")",
        "file:name",
        "ipv4-addr:value",
        "x:a.b[*]",
        "[0]",
        "[-1]",
        ".'k'",
        " = ",
        " != ",
        " > ",
        " IN ",
        " LIKE ",
        " MATCHES ",
        " ISSUBSET ",
        " NOT ",
        " EXISTS ",
        " AND ",
        " OR ",
        " FOLLOWEDBY ",
        " WITHIN 5 SECONDS",
        " REPEATS 2 TIMES",
        " START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
        "'a\\'b'",
        "'",
        "\\",
        "h'ff'",
        "b'dGVzdA=='",
        "t'2020-01-01T00:00:00Z'",
        "-1",
        "+.5",
        "true",
        ",",
        "/*",
        "*/",
        "//",
        "\n",
        "é",
        "🎉",
        "hashes.MD5",
        "'d41d8cd98f00b204e9800998ecf8427e'",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn bundle_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"type\"",
        "\"bundle\"",
        "\"objects\"",
        "\"id\"",
        "\"indicator\"",
        "\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"",
        "\"pattern\"",
        "\"[file:name = 'x']\"",
        "\"created\"",
        "\"2016-04-06T20:03:48.000Z\"",
        "null",
        "1",
        "-2.5e9",
        "true",
        "\"x_\"",
        "\"\\u00e9\"",
        "\"object_marking_refs\"",
        "\"hashes\"",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pattern_parser_never_panics_on_any_string(s in any::<String>()) {
        let _ = Pattern::parse(&s);
    }

    #[test]
    fn pattern_parser_never_panics_on_pattern_like_input(s in pattern_soup()) {
        if let Ok(p) = Pattern::parse(&s) {
            // Whatever parses prints back to something that parses to the same tree text.
            let printed = p.to_string();
            let again = Pattern::parse(&printed);
            prop_assert!(again.is_ok(), "{s:?} printed as {printed:?}: {again:?}");
            prop_assert_eq!(again.unwrap().to_string(), printed);
            let _ = p.observables();
        }
    }

    #[test]
    fn importer_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = import_bundle_slice(&bytes, |_| {});
    }

    #[test]
    fn importer_and_validator_never_panic_on_bundle_like_input(s in bundle_soup()) {
        let wrapped = format!("{{\"type\":\"bundle\",\"objects\":[{s}]}}");
        for text in [&s, &wrapped] {
            let mut validator = Validator::new();
            let mut diagnostics = Vec::new();
            let _ = import_bundle_slice(text.as_bytes(), |o| {
                validator.check("objects[?]", &o, &mut diagnostics);
            });
            validator.finish(&mut diagnostics);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}[a:b = 1]{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Pattern::parse(&deep).is_err());
    let deep = format!("[{}a:b = 1{}]", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Pattern::parse(&deep).is_err());
    // serde_json's recursion limit protects the importer: past it the stream cannot be
    // followed, so it is an error (never a stack overflow).
    let deep = format!(
        "{{\"type\":\"bundle\",\"objects\":[{{\"type\":\"x-a\",\"id\":\"x-a--1\",\"v\":{}{}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let error = import_bundle_slice(deep.as_bytes(), |_| {}).unwrap_err();
    assert!(error.to_string().contains("recursion limit"), "{error}");
}
