//! The pattern tree, its errors, observable extraction and the IoC builder.

use kyoyu_stix::pattern::build::{BuildError, IocKind, ioc_pattern};
use kyoyu_stix::pattern::{
    ComparisonExpr, Literal, ObservationExpr, Operator, PathStep, Pattern, PatternError, Qualifier,
};

#[test]
fn tree_of_a_qualified_followedby_pattern() {
    let p = Pattern::parse(
        "([file:name = 'a' AND file:size > 10] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']) WITHIN 60 SECONDS",
    )
    .expect("valid");
    let ObservationExpr::Qualified(inner, Qualifier::Within(n)) = &p.root else {
        panic!("expected a WITHIN qualifier at the top: {:?}", p.root);
    };
    assert_eq!(n, "60");
    let ObservationExpr::Group(group) = inner.as_ref() else {
        panic!("expected a group: {inner:?}");
    };
    let ObservationExpr::FollowedBy(items) = group.as_ref() else {
        panic!("expected FOLLOWEDBY: {group:?}");
    };
    assert_eq!(items.len(), 2);
    let ObservationExpr::Observation(ComparisonExpr::And(tests)) = &items[0] else {
        panic!("expected an AND inside the first brackets: {:?}", items[0]);
    };
    let ComparisonExpr::Test(size) = &tests[1] else {
        panic!("expected a comparison");
    };
    assert_eq!(size.operator, Operator::Gt);
    assert_eq!(size.value, Literal::Int("10".into()));
}

#[test]
fn paths_with_quoted_keys_and_indexes() {
    let p = Pattern::parse(
        "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5 AND windows-registry-key:values[0].name = 'x']",
    )
    .expect("valid");
    let c = p.comparisons();
    assert_eq!(
        c[0].path.steps,
        [
            PathStep::Key("extensions".into()),
            PathStep::Key("windows-pebinary-ext".into()),
            PathStep::Key("sections".into()),
            PathStep::AnyIndex,
            PathStep::Key("entropy".into()),
        ]
    );
    assert_eq!(c[0].value, Literal::Float("7.5".into()));
    assert_eq!(c[1].path.steps[1], PathStep::Index(0));
    assert_eq!(
        c[0].path.to_string(),
        "file:extensions.'windows-pebinary-ext'.sections[*].entropy"
    );
}

#[test]
fn literals_decode() {
    let p = Pattern::parse(
        "[x:a = 'it\\'s \\\\ here' AND x:b = h'00ff' AND x:c = b'dGVzdA==' AND x:d = t'2020-01-01T00:00:00Z' AND x:e = true AND x:f IN (1, 'two', -3.5)]",
    )
    .expect("valid");
    let values: Vec<&Literal> = p.comparisons().iter().map(|c| &c.value).collect();
    assert_eq!(values[0], &Literal::Str("it's \\ here".into()));
    assert_eq!(values[1], &Literal::Hex(vec![0x00, 0xff]));
    assert_eq!(values[2], &Literal::Binary("dGVzdA==".into()));
    assert_eq!(
        values[3],
        &Literal::Timestamp("2020-01-01T00:00:00Z".into())
    );
    assert_eq!(values[4], &Literal::Bool(true));
    assert_eq!(
        values[5],
        &Literal::Set(vec![
            Literal::Int("1".into()),
            Literal::Str("two".into()),
            Literal::Float("-3.5".into())
        ])
    );
}

#[test]
fn errors_say_where_and_what_was_expected() {
    let err = Pattern::parse("[file:name = 'a' AND]").unwrap_err();
    assert_eq!(
        err,
        PatternError::Syntax {
            offset: 20,
            expected: "an object type (e.g. `file`, `ipv4-addr`)".into(),
            found: "']' `]`".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "at byte 20: expected an object type (e.g. `file`, `ipv4-addr`), found ']' `]`"
    );
    let err = Pattern::parse("[file:name = 'a'] WITHIN 5").unwrap_err();
    assert!(err.to_string().contains("expected SECONDS"), "{err}");
    let err = Pattern::parse("[file:name LIKE 5]").unwrap_err();
    assert!(
        err.to_string().contains("string literal after LIKE"),
        "{err}"
    );
    let err = Pattern::parse("[file:hashes.MD5 = 'abc']").unwrap_err();
    assert!(matches!(err, PatternError::BadHash { .. }), "{err}");
    let err = Pattern::parse("[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES").unwrap_err();
    assert!(matches!(
        err,
        PatternError::DuplicateQualifier {
            qualifier: "REPEATS",
            ..
        }
    ));
}

#[test]
fn display_round_trips_through_the_parser() {
    for text in [
        "[file:name = 'a\\'b' AND (file:size > 1 OR file:size < -2)]",
        "([a:b = 1] OR [c:d = 2]) FOLLOWEDBY [e:f IN ('x', 'y')] WITHIN 5.5 SECONDS",
        "[a:b = 1] AND ([c:d = 2] OR [e:f != 3])",
        "[a:b NOT MATCHES '^x$'] REPEATS 3 TIMES START t'2020-01-01T00:00:00Z' STOP t'2020-02-01T00:00:00Z'",
        "[NOT EXISTS file:name]",
    ] {
        let p = Pattern::parse(text).expect(text);
        let printed = p.to_string();
        let again = Pattern::parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(p.to_string(), again.to_string(), "{text}");
        assert_eq!(p.observables(), again.observables(), "{text}");
    }
}

#[test]
fn observables_of_the_peer_workload_patterns() {
    let p = Pattern::parse(
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    )
    .expect("valid");
    let o = p.observables();
    assert_eq!(o.len(), 2);
    assert_eq!(o[0].object_type, "file");
    assert_eq!(o[0].path, "hashes.MD5");
    assert_eq!(o[1].path, "hashes.'SHA-1'");
    let p = Pattern::parse(
        "[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2') AND NOT ipv4-addr:value = '198.51.100.3']",
    );
    // `NOT` before a path is not STIX; `path NOT =` is.
    assert!(p.is_err());
    let p = Pattern::parse(
        "[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2') AND ipv4-addr:value NOT = '198.51.100.3']",
    )
    .expect("valid");
    let values: Vec<String> = p
        .observables()
        .iter()
        .map(|o| o.value.to_string())
        .collect();
    assert_eq!(values, ["'198.51.100.1'", "'198.51.100.2'"]);
}

#[test]
fn builder_escapes_and_checks_values() {
    assert_eq!(
        ioc_pattern(IocKind::DomainName, "evil.example").unwrap(),
        "[domain-name:value = 'evil.example']"
    );
    assert_eq!(
        ioc_pattern(IocKind::Url, "http://x.example/a'b\\c").unwrap(),
        "[url:value = 'http://x.example/a\\'b\\\\c']"
    );
    assert_eq!(
        ioc_pattern(
            IocKind::Sha256,
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        )
        .unwrap(),
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"
    );
    assert_eq!(
        ioc_pattern(IocKind::Ipv4, "198.51.100.0/24").unwrap(),
        "[ipv4-addr:value = '198.51.100.0/24']"
    );
    assert_eq!(
        ioc_pattern(IocKind::Ipv6, "2001:db8::1").unwrap(),
        "[ipv6-addr:value = '2001:db8::1']"
    );
    assert_eq!(
        ioc_pattern(IocKind::EmailAddr, "o'brien@example.com").unwrap(),
        "[email-addr:value = 'o\\'brien@example.com']"
    );
    for (kind, bad) in [
        (IocKind::Ipv4, "198.51.100.256"),
        (IocKind::Ipv4, "198.51.100.0/33"),
        (IocKind::Ipv6, "2001:db8::g"),
        (IocKind::Md5, "abc"),
        (IocKind::Sha1, "zz39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (IocKind::EmailAddr, "no-at-sign"),
        (IocKind::DomainName, "has space.example"),
        (IocKind::Url, "not a url"),
    ] {
        assert!(
            matches!(ioc_pattern(kind, bad), Err(BuildError::InvalidValue { .. })),
            "{kind:?} {bad:?}"
        );
    }
    let p = Pattern::parse(&ioc_pattern(IocKind::Url, "http://x.example/'").unwrap()).unwrap();
    assert_eq!(
        p.observables()[0].value,
        Literal::Str("http://x.example/'".into())
    );
}
