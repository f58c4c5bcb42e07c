//! `kyoyu admin copy-store` as an operator moving a SQLite deployment to PostgreSQL runs it: a
//! store set up through `kyoyu serve` and `kyoyu admin` (organizations, tokens, a community,
//! objects in several versions and a deleted one, an incident, the audit entries all of that
//! wrote), copied into a fresh schema, then checked the way the operator would: the audit chain
//! with the head recorded before, the same tokens and pages served from PostgreSQL, a second
//! copy refused, new rows after the copied ones; then copied back into a new SQLite directory,
//! and a copy that fails midway shown to leave its target empty. Runs when
//! `TEST_KYOYU_POSTGRES_URL` is set.

use super::{PgSchema, Server, SetUp, TAXII, bearer, http, indicator, set_up, tamper};
use serde_json::{Value, json};
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};

fn kyoyu(arguments: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(arguments)
        .output()
        .expect("kyoyu runs")
}

fn copy_store(from: &OsStr, to: &OsStr) -> Output {
    kyoyu(&[
        OsStr::new("admin"),
        OsStr::new("copy-store"),
        OsStr::new("--from"),
        from,
        OsStr::new("--to"),
        to,
    ])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The head `kyoyu audit verify` prints for a store.
fn head_of(store: &[&OsStr]) -> String {
    let mut arguments = vec![OsStr::new("audit"), OsStr::new("verify")];
    arguments.extend(store);
    let output = kyoyu(&arguments);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    stdout
        .trim()
        .rsplit_once("head ")
        .map(|(_, head)| head.to_owned())
        .expect("the head is printed")
}

/// Every record of a TAXII list (objects or manifest), following `next` two at a time.
fn pages(address: SocketAddr, token: &str, path: &str) -> Vec<Value> {
    let mut records = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..50 {
        let url = match &next {
            Some(next) => format!("{path}&next={next}"),
            None => path.to_owned(),
        };
        let (status, body) = http(
            address,
            "GET",
            &url,
            &[("Authorization", &bearer(token)), ("Accept", TAXII)],
            b"",
        )
        .expect("a page");
        assert_eq!(status, 200, "{url}: {body}");
        let page: Value = serde_json::from_str(&body).expect("json");
        records.extend(page["objects"].as_array().cloned().unwrap_or_default());
        next = page["next"].as_str().map(str::to_owned);
        if page["more"] != true {
            return records;
        }
    }
    panic!("{path}: paging did not end");
}

/// Posts objects as one envelope; the status's success count.
fn post(address: SocketAddr, token: &str, collection: &str, objects: &[Value]) -> u64 {
    let (status, body) = http(
        address,
        "POST",
        &format!("/taxii2/kyoyu/collections/{collection}/objects/"),
        &[
            ("Authorization", &bearer(token)),
            ("Content-Type", TAXII),
            ("Accept", TAXII),
        ],
        json!({ "objects": objects }).to_string().as_bytes(),
    )
    .expect("post");
    assert_eq!(status, 202, "{body}");
    let status: Value = serde_json::from_str(&body).expect("status");
    assert_eq!(status["status"], "complete", "{status}");
    status["success_count"].as_u64().expect("success_count")
}

fn whoami(address: SocketAddr, token: &str) -> u16 {
    http(
        address,
        "GET",
        "/api/whoami",
        &[("Authorization", &bearer(token))],
        b"",
    )
    .expect("whoami")
    .0
}

/// One value from the test database, as its owner.
fn psql_value(pg: &PgSchema, sql: &str) -> String {
    let output = Command::new("psql")
        .args([pg.base.as_str(), "-qAtc", sql])
        .output()
        .expect("psql runs");
    assert!(output.status.success(), "{sql}: {}", text(&output.stderr));
    text(&output.stdout).trim().to_owned()
}

fn version(object: &Value, modified: &str) -> Value {
    let mut object = object.clone();
    object["modified"] = json!(modified);
    object
}

#[test]
fn a_sqlite_store_copied_to_postgresql_serves_the_same_tokens_and_objects() {
    let Some(pg) = PgSchema::create(
        "a_sqlite_store_copied_to_postgresql_serves_the_same_tokens_and_objects",
        "kyoyu_copy",
    ) else {
        return;
    };
    let Some(failing) = PgSchema::create(
        "a_sqlite_store_copied_to_postgresql_serves_the_same_tokens_and_objects",
        "kyoyu_copy_failing",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");

    // The SQLite deployment, set up as a script would.
    let SetUp {
        server,
        victim_token,
        hub_token,
        collection,
    } = set_up(&data, &[]);
    let address = server.address;
    let first = indicator(1);
    let added = post(
        address,
        &victim_token,
        &collection,
        &[first.clone(), indicator(2), indicator(3)],
    );
    assert_eq!(added, 3);
    let later = [
        version(&first, "2026-11-03T01:00:00.000Z"),
        version(&first, "2026-11-03T02:00:00.000Z"),
    ];
    assert_eq!(post(address, &victim_token, &collection, &later), 2);
    // The newest object (seq 6) is deleted: its seq must never be handed out again.
    let doomed = indicator(4);
    assert_eq!(
        post(
            address,
            &victim_token,
            &collection,
            std::slice::from_ref(&doomed)
        ),
        1
    );
    let (status, body) = http(
        address,
        "DELETE",
        &format!(
            "/taxii2/kyoyu/collections/{collection}/objects/{}/",
            doomed["id"].as_str().expect("id")
        ),
        &[("Authorization", &bearer(&hub_token)), ("Accept", TAXII)],
        b"",
    )
    .expect("delete");
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(
        address,
        "POST",
        "/api/incidents",
        &[
            ("Authorization", &bearer(&victim_token)),
            ("Content-Type", "application/json"),
        ],
        br#"{"incident": {"id": "COPY-1", "jurisdictions": ["JP"]}}"#,
    )
    .expect("create an incident");
    assert_eq!(status, 201, "{body}");
    let manifest_path =
        format!("/taxii2/kyoyu/collections/{collection}/manifest/?match[version]=all&limit=2");
    let objects_path =
        format!("/taxii2/kyoyu/collections/{collection}/objects/?match[version]=all&limit=2");
    let manifest = pages(address, &victim_token, &manifest_path);
    let objects = pages(address, &victim_token, &objects_path);
    assert_eq!((manifest.len(), objects.len()), (5, 5), "{manifest:?}");
    drop(server);
    let head = head_of(&[OsStr::new("--data"), data.as_os_str()]);

    // The copy, verified by the command itself.
    let url = OsStr::new(&pg.url);
    let copied = copy_store(data.as_os_str(), url);
    let (stdout, stderr) = (text(&copied.stdout), text(&copied.stderr));
    assert!(copied.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains(&format!("head / 先頭 {head}")), "{stdout}");
    assert!(stdout.starts_with("copied / コピー済み: "), "{stdout}");
    let objects_line = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("stix_objects"))
        .expect("a line for stix_objects");
    assert_eq!(
        objects_line.split_whitespace().collect::<Vec<_>>(),
        ["stix_objects", "5", "5"],
        "{stdout}"
    );
    assert!(stdout.contains("\nok: "), "{stdout}");
    let key = data.join("pseudonym.key");
    assert!(
        stderr.contains(&key.display().to_string()),
        "the key file is named: {stderr}"
    );

    // The operator's own checks: the chain with the head recorded before the move.
    let verified = kyoyu(&[
        OsStr::new("audit"),
        OsStr::new("verify"),
        OsStr::new("--database"),
        url,
        OsStr::new("--expect-head"),
        OsStr::new(&head),
    ]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));

    // PostgreSQL serves the same tokens and the same pages (ids, versions, date_added, JSON).
    let key_text = key.display().to_string();
    let environment = [("KYOYU_KEY_FILE", key_text.as_str())];
    let server = Server::start_with(&[OsStr::new("--database"), url], &environment);
    assert!(server.first_token.is_none(), "a copied store is not new");
    let address = server.address;
    assert_eq!(whoami(address, &victim_token), 200);
    assert_eq!(whoami(address, &hub_token), 200);
    assert_eq!(pages(address, &victim_token, &manifest_path), manifest);
    assert_eq!(pages(address, &victim_token, &objects_path), objects);
    let (status, body) = http(
        address,
        "GET",
        "/api/incidents/COPY-1",
        &[("Authorization", &bearer(&victim_token))],
        b"",
    )
    .expect("the incident");
    assert_eq!(status, 200, "{body}");

    // A second copy into the target, which now holds data, is refused in both languages.
    let again = copy_store(data.as_os_str(), url);
    let stderr = text(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already holds data"), "{stderr}");
    assert!(stderr.contains("すでにデータがあります"), "{stderr}");
    assert!(stderr.contains("orgs: 2"), "{stderr}");

    // New rows come after the copied ones: the object takes seq 7, past the deleted 6, and is
    // added after every copied object; a new organization gets a fresh id.
    let fresh = indicator(5);
    assert_eq!(
        post(
            address,
            &victim_token,
            &collection,
            std::slice::from_ref(&fresh)
        ),
        1
    );
    let seq = psql_value(
        &pg,
        &format!(
            "SELECT seq FROM {}.stix_objects WHERE id = '{}'",
            pg.name,
            fresh["id"].as_str().expect("id")
        ),
    );
    assert_eq!(seq, "7");
    let after = pages(address, &victim_token, &manifest_path);
    let newest = after.last().expect("the new object");
    assert_eq!(newest["id"], fresh["id"]);
    assert!(
        manifest
            .iter()
            .all(|record| record["date_added"].as_str() < newest["date_added"].as_str()),
        "{after:?}"
    );
    let org = kyoyu(&[
        OsStr::new("admin"),
        OsStr::new("org"),
        OsStr::new("create"),
        OsStr::new("member-2"),
        OsStr::new("--kind"),
        OsStr::new("member"),
        OsStr::new("--database"),
        url,
    ]);
    assert!(org.status.success(), "{}", text(&org.stderr));
    drop(server);

    // Back into a new SQLite directory (a downgrade, a backup): the same chain and objects.
    let back = dir.path().join("back");
    let head_now = head_of(&[OsStr::new("--database"), url]);
    let copied_back = copy_store(url, back.as_os_str());
    assert!(
        copied_back.status.success(),
        "{}{}",
        text(&copied_back.stdout),
        text(&copied_back.stderr)
    );
    assert_eq!(head_of(&[OsStr::new("--data"), back.as_os_str()]), head_now);
    let server = Server::start_with(&[OsStr::new("--data"), back.as_os_str()], &environment);
    assert!(server.first_token.is_none(), "a copied store is not new");
    assert_eq!(pages(server.address, &victim_token, &manifest_path), after);
    drop(server);

    // A copy that fails midway (a token label PostgreSQL cannot store) names the table and the
    // row, and leaves its target empty: the next copy into it goes through.
    copy_fails_midway_and_leaves_the_target_empty(&data, &back, &failing);
}

fn copy_fails_midway_and_leaves_the_target_empty(data: &Path, good: &Path, target: &PgSchema) {
    tamper(
        data,
        "UPDATE tokens SET label = 'bad' || char(0) || 'label'
         WHERE id = (SELECT max(id) FROM tokens);",
    );
    let url = OsStr::new(&target.url);
    let failed = copy_store(data.as_os_str(), url);
    let stderr = text(&failed.stderr);
    assert_eq!(failed.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the target refused tokens row (id="),
        "{stderr}"
    );
    assert!(stderr.contains("rolled back"), "{stderr}");
    assert!(stderr.contains("取り消されました"), "{stderr}");
    let verified = kyoyu(&[
        OsStr::new("audit"),
        OsStr::new("verify"),
        OsStr::new("--database"),
        url,
    ]);
    assert!(
        text(&verified.stdout).starts_with("ok: 0 entries"),
        "{}",
        text(&verified.stdout)
    );
    let copied = copy_store(good.as_os_str(), url);
    assert!(
        copied.status.success(),
        "{}{}",
        text(&copied.stdout),
        text(&copied.stderr)
    );
}
