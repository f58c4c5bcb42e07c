//! One case per shipped warninglist (and the internal-address rule): the value must be flagged
//! by exactly the expected list, among possibly others.

use kyoyu_scan::warninglist::{self, HitReason, IocValue};

fn lists_of(value: &str) -> Vec<String> {
    warninglist::builtin()
        .check(value)
        .into_iter()
        .map(|hit| match hit {
            HitReason::Listed { list, .. } => list.to_owned(),
            HitReason::InternalAddress { .. } => "internal".to_owned(),
        })
        .collect()
}

#[test]
fn every_shipped_list_flags_its_kind_of_false_positive() {
    let cases = [
        ("8.8.8.8", "public-dns-v4"),
        ("2001:4860:4860::8888", "public-dns-v6"),
        ("01.mail.voser.cloud", "public-dns-hostname"),
        ("10.1.2.3", "rfc1918"),
        ("198.51.100.7:443", "rfc5735"),
        ("100.64.1.1", "rfc6598"),
        ("2001:db8::1", "rfc3849"),
        ("16.172.in-addr.arpa", "rfc6761"),
        ("225.1.2.3", "multicast"),
        ("fe80::1", "ipv6-linklocal"),
        ("www.google.com", "tranco10k"),
        ("hxxps://bit[.]ly/3xYz", "url-shortener"),
        ("api.myip.com", "whats-my-ip"),
        (
            "https://access.redhat.com/security/cve",
            "security-provider-blogpost",
        ),
        (
            "https://app.any.run/tasks/1234",
            "automated-malware-analysis",
        ),
        ("106.187.96.49", "sinkholes"),
        ("cdp.disig.sk", "crl-hostname"),
        ("106.120.110.50", "crl-ip"),
        ("209.85.128.5", "google-gmail-sending-ips"),
        ("D41D8CD98F00B204E9800998ECF8427E", "empty-hashes"),
        (
            "0f343b0931126a20f133d67c2b018a3b",
            "common-ioc-false-positive",
        ),
        ("44d88612fea8a8f36de82e1278abb02f", "eicar.com"),
        ("192.168.1.10", "internal"),
        ("fd12:3456::1", "internal"),
        ("http://10.0.0.5:8080/gate.php", "internal"),
    ];
    for (value, list) in cases {
        let lists = lists_of(value);
        assert!(lists.iter().any(|l| l == list), "{value}: {lists:?}");
    }
    let shipped: Vec<_> = warninglist::builtin()
        .lists()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(shipped.len(), 22, "{shipped:?}");
}

#[test]
fn real_iocs_are_not_flagged() {
    for value in [
        "evil-update-server.top",
        "45.137.21.9",
        "https://login-portal-check.xyz/a",
        "a3f1c9e2b4d5f6a7b8c9d0e1f2a3b4c5",
    ] {
        assert_eq!(lists_of(value), Vec::<String>::new(), "{value}");
    }
}

#[test]
fn values_are_classified() {
    assert_eq!(
        IocValue::classify("Mail@Example.COM"),
        IocValue::Email {
            address: "Mail@Example.COM".into(),
            domain: "example.com".into()
        }
    );
    assert!(matches!(IocValue::classify("1.2.3.4|80"), IocValue::Ip(_)));
    assert!(matches!(
        IocValue::classify("[2001:db8::1]:443"),
        IocValue::Ip(_)
    ));
    assert!(matches!(
        IocValue::classify("just words"),
        IocValue::Other(_)
    ));
}
