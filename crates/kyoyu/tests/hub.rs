//! `kyoyu hub correlate`: the engine over a workload folder, as benchmarks and operators run it.

use std::process::Command;

fn kyoyu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kyoyu"))
}

fn line(id: &str, member: &str, values: &[(&str, &str)]) -> String {
    let indicators: Vec<serde_json::Value> = values
        .iter()
        .map(|(t, v)| serde_json::json!({"type": t, "value": v}))
        .collect();
    serde_json::json!({"id": id, "member": member, "day": 3, "indicators": indicators}).to_string()
}

#[test]
fn correlate_writes_campaigns_and_single_member_clusters_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for (i, m) in ["m1", "m2", "m3", "m4"].iter().enumerate() {
        let c2 = if i % 2 == 0 {
            "c2.evil-sync.example"
        } else {
            "C2[.]evil-sync[.]example."
        };
        lines.push(line(
            &format!("s{i}"),
            m,
            &[
                ("domain-name", c2),
                ("url", "hxxp://gate.evil-sync.example:80/b"),
                ("ipv4-addr", "8.8.8.8"),
            ],
        ));
    }
    for i in 0..3 {
        lines.push(line(
            &format!("x{i}"),
            "m9",
            &[("ipv4-addr", "45.77.1.1"), ("ipv4-addr", "45.77.1.2")],
        ));
    }
    std::fs::write(
        dir.path().join("submissions.jsonl"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    let out = dir.path().join("found.json");
    let status = kyoyu()
        .args(["hub", "correlate"])
        .arg(dir.path())
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let found: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let campaigns = found["campaigns"].as_object().unwrap();
    assert_eq!(campaigns.len(), 1, "{found}");
    assert_eq!(
        campaigns.values().next().unwrap(),
        &serde_json::json!(["s0", "s1", "s2", "s3"])
    );
    let single = found["single_member"].as_object().unwrap();
    assert_eq!(
        single.values().next().unwrap(),
        &serde_json::json!(["x0", "x1", "x2"])
    );
    assert_eq!(found["stats"]["submissions"], 7);
    let name = campaigns.keys().next().unwrap();
    let evidence = &found["evidence"][name];
    assert_eq!(evidence["kind"], "campaign");
    assert_eq!(
        evidence["members"],
        serde_json::json!(["m1", "m2", "m3", "m4"])
    );
    assert_eq!(evidence["window"], serde_json::json!([3, 3]));
    assert_eq!(
        evidence["values"],
        serde_json::json!([
            ["domain:c2.evil-sync.example", 4, 4],
            ["url:http://gate.evil-sync.example/b", 4, 4]
        ])
    );
}

#[test]
fn a_bad_line_names_its_number_and_the_rest_is_still_correlated() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n{{\"id\": \"broken\"\n{}\n",
        line("s1", "m1", &[("domain-name", "a.example")]),
        line("s2", "m2", &[("domain-name", "a.example")])
    );
    std::fs::write(dir.path().join("submissions.jsonl"), text).unwrap();
    let output = kyoyu()
        .args(["hub", "correlate"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2"), "{stderr}");
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(found["stats"]["submissions"], 2);
    // a missing folder is a clear error
    let output = kyoyu()
        .args(["hub", "correlate", "/nonexistent/dir"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("submissions.jsonl"));
}
