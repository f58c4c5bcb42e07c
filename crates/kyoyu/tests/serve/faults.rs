//! Faults of the database under a running `kyoyu serve` (issue 8): a real PostgreSQL restart
//! and stop during a stream of requests, a read-only database on both backends, a full disk
//! under SQLite. Each test checks every answer while the fault lasts — a 2xx, or the documented
//! refusal (503, or 507 for a full disk) with `Retry-After` and a bilingual message; never a
//! 500 or a hang (every request has a client timeout) — that the server recovers without a
//! restart where the fault allows it, that nothing acknowledged is lost, that the SQLite file
//! passes `PRAGMA integrity_check`, and that `kyoyu audit verify` passes afterwards.
//!
//! Key decision: the faults are real, not simulated in the store. PostgreSQL is restarted and
//! set read-only on a *private* cluster each test creates (`initdb` into a temporary directory,
//! its own port and socket, stopped on drop) — never the shared server the other tests use. A
//! full disk is a small tmpfs filled up, a read-only SQLite file a read-only bind mount (root)
//! or a file without write permission (anyone else; root ignores permissions). What the machine
//! does not allow (no PostgreSQL binaries, no mount) is skipped with a `SKIPPED` line.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::*;

/// A request that takes longer than this is a hang. The PostgreSQL store waits at most 5 s for
/// a connection before it answers 503, the SQLite store 5 s for a lock.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// Says on the process's stderr (not captured by the harness) that a test was skipped and why.
fn skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// Runs a command that must succeed; its output in the panic when it does not.
fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A PostgreSQL cluster of the test's own: `initdb` into a temporary directory, trust
/// authentication, a free port on 127.0.0.1 and its socket in that directory. Run as the
/// `postgres` user when the tests run as root (PostgreSQL refuses to run as root). Stopped
/// (immediately) and removed when dropped, also when the test fails — declare it first.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// A started cluster, or `None` (and a `SKIPPED` line) when this machine has no PostgreSQL
    /// server binaries (`scripts/postgres` installs them, so CI has them).
    fn start(test: &str) -> Option<PrivatePostgres> {
        let Some(bin) = postgres_bin() else {
            skipped(
                test,
                "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (scripts/postgres installs them)",
            );
            return None;
        };
        let as_postgres = is_root();
        let dir = tempfile::tempdir().expect("tempdir");
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(dir.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let cluster = PrivatePostgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = cluster.data();
        run(cluster.command("initdb").args([
            OsStr::new("-D"),
            data.as_os_str(),
            OsStr::new("-U"),
            OsStr::new("postgres"),
            OsStr::new("--auth=trust"),
            OsStr::new("--no-sync"),
            OsStr::new("--no-instructions"),
            OsStr::new("--locale=C"),
            OsStr::new("-E"),
            OsStr::new("UTF8"),
        ]));
        let settings = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n",
            cluster.dir.path().display()
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut file| file.write_all(settings.as_bytes()))
            .expect("configure the cluster");
        cluster.ctl(&["start"]);
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A program of the PostgreSQL binaries, as the cluster's owner.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// `pg_ctl ACTION` on the cluster, waiting until it is done.
    fn ctl(&self, action: &[&str]) {
        let log = self.dir.path().join("postgres.log");
        run(self
            .command("pg_ctl")
            .args(action)
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(log)
            .args(["-w", "-t", "30"]));
    }

    /// The URL kyoyu connects with (the `public` schema of the `postgres` database).
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A `kyoyu serve` on the cluster, set up like [`set_up`]; its pseudonym key in the
    /// cluster's directory, no token cache (every request reads the store).
    fn set_up(&self) -> SetUp {
        let key = self
            .dir
            .path()
            .join("installation.key")
            .display()
            .to_string();
        let env = [
            ("KYOYU_KEY_FILE", key.as_str()),
            ("KYOYU_TOKEN_CACHE_SECONDS", "0"),
        ];
        set_up_with(&["--database", &self.url()], &env)
    }

    /// Runs SQL as the superuser; it must succeed. Its session is never read-only, whatever
    /// the cluster's default.
    fn psql(&self, sql: &str) {
        run(Command::new(self.bin.join("psql"))
            .args([self.url().as_str(), "-qAtc", sql])
            .env("PGOPTIONS", "-c default_transaction_read_only=off"));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["stop", "-m", "immediate", "-D"])
            .arg(self.data())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The newest `/usr/lib/postgresql/VERSION/bin` that has `initdb`.
fn postgres_bin() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
}

/// What a client saw while a fault lasted.
#[derive(Default)]
struct Tally {
    /// 2xx answers.
    ok: usize,
    /// The expected refusals (503, or 507 for a full disk), each with `Retry-After`.
    refused: usize,
    /// Everything else: a 500, another status, a refusal without `Retry-After`, a hang.
    wrong: Vec<String>,
    /// The body of the last refusal.
    refusal_body: String,
}

impl Tally {
    /// Counts one answer; `refusal` is the status the fault is documented to give.
    fn count(&mut self, what: &str, result: std::io::Result<Answer>, refusal: u16) {
        match result {
            Ok(answer) if (200..300).contains(&answer.status) => self.ok += 1,
            Ok(answer) if answer.status == refusal && answer.header("Retry-After") == Some("5") => {
                let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
                if body["http_status"].as_str() == Some(refusal.to_string().as_str()) {
                    self.refused += 1;
                    self.refusal_body = answer.body;
                } else {
                    self.wrong
                        .push(format!("{what}: {} {}", answer.status, answer.body));
                }
            }
            Ok(answer) => self
                .wrong
                .push(format!("{what}: {}\n{}", answer.head, answer.body)),
            Err(error) => self.wrong.push(format!(
                "{what}: no answer within {CLIENT_TIMEOUT:?}: {error}"
            )),
        }
    }
}

/// A client that repeats POSTs of new objects (and, with `reads`, a page GET and whoami)
/// until stopped, keeping the tally and the ids of every object a status said `complete`.
struct Stream {
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
    confirmed: Arc<Mutex<Vec<String>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Stream {
    fn start(setup: &SetUp, clients: u64, refusal: u16, reads: bool) -> Stream {
        let stop = Arc::new(AtomicBool::new(false));
        let tally: Arc<Mutex<Tally>> = Arc::default();
        let confirmed: Arc<Mutex<Vec<String>>> = Arc::default();
        let threads = (0..clients)
            .map(|client| {
                let (stop, tally, confirmed) = (stop.clone(), tally.clone(), confirmed.clone());
                let address = setup.server.address;
                let auth = bearer(&setup.victim_token);
                let objects = format!("/taxii2/kyoyu/collections/{}/objects/", setup.collection);
                std::thread::spawn(move || {
                    let taxii = [
                        ("Authorization", auth.as_str()),
                        ("Content-Type", TAXII),
                        ("Accept", TAXII),
                    ];
                    // Each client its own id range, far from the ones a test posts itself.
                    let mut n = (client + 1) << 32;
                    while !stop.load(Ordering::Relaxed) {
                        let batch: Vec<Value> = (0..10).map(|i| indicator(n + i)).collect();
                        n += 10;
                        let body = json!({"objects": batch}).to_string();
                        let answer = http_within(
                            CLIENT_TIMEOUT,
                            address,
                            "POST",
                            &objects,
                            &taxii,
                            body.as_bytes(),
                        );
                        if let Ok(answer) = &answer
                            && answer.status == 202
                        {
                            confirmed
                                .lock()
                                .expect("confirmed")
                                .extend(completed(&answer.body));
                        }
                        tally.lock().expect("tally").count("POST", answer, refusal);
                        if !reads {
                            continue;
                        }
                        let page = format!("{objects}?limit=10");
                        let answer =
                            http_within(CLIENT_TIMEOUT, address, "GET", &page, &taxii, b"");
                        tally.lock().expect("tally").count("GET", answer, refusal);
                        let answer = http_within(
                            CLIENT_TIMEOUT,
                            address,
                            "GET",
                            "/api/whoami",
                            &taxii[..1],
                            b"",
                        );
                        tally
                            .lock()
                            .expect("tally")
                            .count("whoami", answer, refusal);
                    }
                })
            })
            .collect();
        Stream {
            stop,
            tally,
            confirmed,
            threads,
        }
    }

    fn confirmed(&self) -> usize {
        self.confirmed.lock().expect("confirmed").len()
    }

    fn refused(&self) -> usize {
        self.tally.lock().expect("tally").refused
    }

    /// How it went so far, for a failing assertion.
    fn report(&self) -> String {
        let tally = self.tally.lock().expect("tally");
        format!(
            "{} ok, {} refused, {} wrong:\n{}",
            tally.ok,
            tally.refused,
            tally.wrong.len(),
            tally.wrong[..tally.wrong.len().min(5)].join("\n")
        )
    }

    /// Waits until `done` holds, at most `within`; false when it never did.
    fn wait_until(&self, within: Duration, done: impl Fn(&Stream) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !done(self) {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Stops the clients; the tally and the confirmed ids.
    fn finish(self) -> (Tally, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().expect("a client ends");
        }
        let tally = std::mem::take(&mut *self.tally.lock().expect("tally"));
        let confirmed = std::mem::take(&mut *self.confirmed.lock().expect("confirmed"));
        (tally, confirmed)
    }
}

/// What the server logged as errors so far (the cause behind a 500), for a failing assertion.
fn logged_errors(server: &Server) -> String {
    server
        .log
        .try_iter()
        .filter(|line| line.contains("ERROR"))
        .take(5)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The ids of a TAXII status that says `complete`; none otherwise.
fn completed(body: &str) -> Vec<String> {
    let status: Value = serde_json::from_str(body).expect("status json");
    if status["status"] != "complete" {
        return Vec::new();
    }
    status["successes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|success| success["id"].as_str().expect("id").to_owned())
        .collect()
}

/// One POST of `objects` that must be acknowledged `complete`; their ids.
fn post_complete(setup: &SetUp, objects: &[Value]) -> Vec<String> {
    let answer = post_objects(setup, objects);
    assert_eq!(answer.status, 202, "{}", answer.body);
    let ids = completed(&answer.body);
    assert_eq!(ids.len(), objects.len(), "{}", answer.body);
    ids
}

fn post_objects(setup: &SetUp, objects: &[Value]) -> Answer {
    let auth = bearer(&setup.victim_token);
    http_within(
        CLIENT_TIMEOUT,
        setup.server.address,
        "POST",
        &format!("/taxii2/kyoyu/collections/{}/objects/", setup.collection),
        &[
            ("Authorization", &auth),
            ("Content-Type", TAXII),
            ("Accept", TAXII),
        ],
        json!({ "objects": objects }).to_string().as_bytes(),
    )
    .expect("an answer")
}

/// A write of the REST API (a new community, by the hub).
fn create_community(setup: &SetUp, title: &str) -> Answer {
    http_within(
        CLIENT_TIMEOUT,
        setup.server.address,
        "POST",
        "/api/communities",
        &[
            ("Authorization", &bearer(&setup.hub_token)),
            ("Content-Type", "application/json"),
        ],
        json!({"title": title, "kind": "A", "max_tlp": "amber"})
            .to_string()
            .as_bytes(),
    )
    .expect("an answer")
}

fn whoami(setup: &SetUp) -> Answer {
    http_within(
        CLIENT_TIMEOUT,
        setup.server.address,
        "GET",
        "/api/whoami",
        &[("Authorization", &bearer(&setup.victim_token))],
        b"",
    )
    .expect("an answer")
}

/// A 503 that says, in both languages, that the database is read-only.
fn assert_read_only(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 503, "{what}: {}", answer.body);
    assert_eq!(answer.header("Retry-After"), Some("5"), "{what}");
    assert!(
        answer.body.contains("read-only") && answer.body.contains("読み取り専用"),
        "{what}: {}",
        answer.body
    );
}

/// Every object id of the collection, read back through the manifest, all pages.
fn stored_ids(setup: &SetUp) -> HashSet<String> {
    let auth = bearer(&setup.victim_token);
    let mut present = HashSet::new();
    let mut next: Option<String> = None;
    loop {
        let mut path = format!(
            "/taxii2/kyoyu/collections/{}/manifest/?limit=1000",
            setup.collection
        );
        if let Some(next) = &next {
            path.push_str(&format!("&next={next}"));
        }
        let answer = http_within(
            CLIENT_TIMEOUT,
            setup.server.address,
            "GET",
            &path,
            &[("Authorization", &auth), ("Accept", TAXII)],
            b"",
        )
        .expect("manifest");
        assert_eq!(answer.status, 200, "{}", answer.body);
        let page: Value = serde_json::from_str(&answer.body).expect("json");
        for record in page["objects"].as_array().into_iter().flatten() {
            present.insert(record["id"].as_str().expect("id").to_owned());
        }
        next = page["next"].as_str().map(str::to_owned);
        if page["more"] != true {
            return present;
        }
    }
}

fn assert_none_lost(setup: &SetUp, confirmed: &[String]) {
    let present = stored_ids(setup);
    let lost: Vec<&String> = confirmed
        .iter()
        .filter(|id| !present.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged objects lost: {:?}",
        lost.len(),
        confirmed.len(),
        &lost[..lost.len().min(5)]
    );
}

/// `kyoyu audit verify` on the store these arguments name passes.
fn assert_audit_verifies(store: &[&OsStr]) {
    let stdout = run(Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(["audit", "verify"])
        .args(store));
    assert!(stdout.starts_with("ok: "), "{stdout}");
}

/// SQLite's own check of the file (`PRAGMA integrity_check`) says `ok`.
fn assert_sqlite_intact(data: &Path) {
    let script = "import sqlite3, sys\nprint(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])\n";
    let stdout = run(Command::new(python())
        .args(["-c", script])
        .arg(data.join("kyoyu.db")));
    assert_eq!(stdout.trim(), "ok");
}

/// PostgreSQL restarted (`pg_ctl restart -m fast`), then stopped for longer than the store
/// waits for a connection and started again, under a stream of TAXII POSTs and GETs and REST
/// whoami from two clients: every answer is a 2xx or a 503 with `Retry-After`, the stop gives
/// 503s (not requests held until PostgreSQL is back), kyoyu recovers by itself, nothing
/// acknowledged is lost and the audit chain verifies.
#[test]
fn a_postgresql_restart_during_load_gives_503_and_recovers_by_itself() {
    let test = "a_postgresql_restart_during_load_gives_503_and_recovers_by_itself";
    let Some(postgres) = PrivatePostgres::start(test) else {
        return;
    };
    let url = postgres.url();
    let setup = postgres.set_up();
    let stream = Stream::start(&setup, 2, 503, true);
    assert!(
        stream.wait_until(Duration::from_secs(30), |s| s.confirmed() >= 40),
        "the stream makes progress"
    );

    postgres.ctl(&["restart", "-m", "fast"]);
    let before = stream.confirmed();
    assert!(
        stream.wait_until(Duration::from_secs(30), |s| s.confirmed() > before + 20),
        "POSTs succeed again after the restart, kyoyu untouched"
    );

    postgres.ctl(&["stop", "-m", "fast"]);
    let refused = stream.refused();
    // Longer than the store waits for a connection: requests must be answered 503, not held.
    std::thread::sleep(Duration::from_secs(7));
    let refused_while_stopped = stream.refused() - refused;
    postgres.ctl(&["start"]);
    let before = stream.confirmed();
    assert!(
        stream.wait_until(Duration::from_secs(30), |s| s.confirmed() > before + 20),
        "POSTs succeed again after the stop and start, kyoyu untouched"
    );
    let (tally, confirmed) = stream.finish();
    assert!(
        tally.wrong.is_empty(),
        "answers other than 2xx or 503 with Retry-After:\n{}",
        tally.wrong.join("\n")
    );
    assert!(
        refused_while_stopped > 0,
        "requests while PostgreSQL was down got 503 ({} answered 2xx in all)",
        tally.ok
    );
    assert!(
        tally.refusal_body.contains("cannot be reached")
            && tally.refusal_body.contains("接続できません"),
        "{}",
        tally.refusal_body
    );
    eprintln!(
        "{test}: {} answers 2xx, {} answered 503 ({refused_while_stopped} while stopped), {} objects acknowledged",
        tally.ok,
        tally.refused,
        confirmed.len()
    );
    assert_none_lost(&setup, &confirmed);
    drop(setup);
    assert_audit_verifies(&[OsStr::new("--database"), OsStr::new(&url)]);
}

/// PostgreSQL set read-only under a running server (`default_transaction_read_only` for the
/// whole private cluster, reloaded): TAXII and REST writes get a 503 that says the database is
/// read-only, reads go on, and once writes are allowed again they succeed without restarting
/// kyoyu; nothing acknowledged is lost and the audit chain verifies.
#[test]
fn a_read_only_postgresql_refuses_writes_with_503_and_takes_them_again() {
    let test = "a_read_only_postgresql_refuses_writes_with_503_and_takes_them_again";
    let Some(postgres) = PrivatePostgres::start(test) else {
        return;
    };
    let url = postgres.url();
    let setup = postgres.set_up();
    let mut confirmed = post_complete(&setup, &[indicator(1), indicator(2)]);

    postgres.psql("ALTER SYSTEM SET default_transaction_read_only = on");
    postgres.psql("SELECT pg_reload_conf()");
    // The reload reaches the server's pooled sessions within moments: POSTs until one is
    // refused, each either stored or refused as read-only.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 10;
    let refused = loop {
        let answer = post_objects(&setup, &[indicator(n)]);
        n += 1;
        if answer.status == 202 {
            confirmed.extend(completed(&answer.body));
        } else {
            break answer;
        }
        assert!(Instant::now() < deadline, "no POST was refused");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_read_only(&refused, "a TAXII POST");
    assert_read_only(&create_community(&setup, "while-read-only"), "a REST POST");
    assert_eq!(whoami(&setup).status, 200, "reads work");
    assert_none_lost(&setup, &confirmed);

    postgres.psql("ALTER SYSTEM RESET default_transaction_read_only");
    postgres.psql("SELECT pg_reload_conf()");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = post_objects(&setup, &[indicator(n)]);
        n += 1;
        if answer.status == 202 {
            confirmed.extend(completed(&answer.body));
            break;
        }
        assert_read_only(&answer, "a POST before the reload took effect");
        assert!(Instant::now() < deadline, "writes did not come back");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(create_community(&setup, "writable-again").status, 201);
    assert_none_lost(&setup, &confirmed);
    drop(setup);
    assert_audit_verifies(&[OsStr::new("--database"), OsStr::new(&url)]);
}

/// The SQLite database file made read-only for the duration of a value: as root (who ignores
/// permissions) a read-only bind mount of the file over itself, otherwise its write permission
/// taken away. The directory stays writable, so SQLite can keep its `-wal` and `-shm` files
/// beside it; SQLite then opens the database read-only by itself. Write access comes back on
/// drop.
struct ReadOnlyFile {
    path: PathBuf,
    /// The file's mode before, when write permission was taken instead of a mount.
    mode: Option<u32>,
}

impl ReadOnlyFile {
    fn make(test: &str, path: &Path) -> Option<ReadOnlyFile> {
        use std::os::unix::fs::PermissionsExt;
        if !is_root() {
            let mode = std::fs::metadata(path)
                .expect("metadata")
                .permissions()
                .mode();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o555))
                .expect("chmod");
            return Some(ReadOnlyFile {
                path: path.to_owned(),
                mode: Some(mode),
            });
        }
        let mounted = Command::new("mount")
            .args(["--bind", "-o", "ro"])
            .arg(path)
            .arg(path)
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            skipped(
                test,
                "running as root, and a read-only bind mount is not allowed here",
            );
            return None;
        }
        Some(ReadOnlyFile {
            path: path.to_owned(),
            mode: None,
        })
    }
}

impl Drop for ReadOnlyFile {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        match self.mode {
            Some(mode) => {
                let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(mode));
            }
            None => {
                let _ = Command::new("umount").arg(&self.path).status();
            }
        }
    }
}

/// A server started on a read-only SQLite database (the file made read-only while the server
/// was down: SQLite opens such a file read-only): it starts, serves TAXII pages, the manifest
/// and whoami, and answers TAXII and REST writes with a 503 that says the database is
/// read-only. With write access back (and a restart: SQLite decides at open) writes work, the
/// file is intact and the audit chain verifies.
#[test]
fn a_read_only_sqlite_database_serves_reads_and_refuses_writes_with_503() {
    let test = "a_read_only_sqlite_database_serves_reads_and_refuses_writes_with_503";
    let dir = tempfile::tempdir().expect("tempdir");
    let mut setup = set_up(dir.path(), &[]);
    let mut confirmed = post_complete(&setup, &[indicator(1), indicator(2)]);
    setup.server.kill();

    let Some(read_only) = ReadOnlyFile::make(test, &dir.path().join("kyoyu.db")) else {
        return;
    };
    setup.server = Server::start(dir.path(), &[]);
    assert_none_lost(&setup, &confirmed);
    assert_eq!(whoami(&setup).status, 200, "reads work");
    assert_read_only(&post_objects(&setup, &[indicator(3)]), "a TAXII POST");
    assert_read_only(&create_community(&setup, "while-read-only"), "a REST POST");
    setup.server.kill();
    drop(read_only);

    assert_sqlite_intact(dir.path());
    setup.server = Server::start(dir.path(), &[]);
    confirmed.extend(post_complete(&setup, &[indicator(4)]));
    assert_eq!(create_community(&setup, "writable-again").status, 201);
    assert_none_lost(&setup, &confirmed);
    setup.server.kill();
    let (code, stdout) = verify(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// A small tmpfs of the test's own, unmounted on drop (declare it before the server on it).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(test: &str, size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            skipped(
                test,
                "mounting a tmpfs is not allowed here (it needs root or CAP_SYS_ADMIN)",
            );
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk says it is full; its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        loop {
            if let Err(error) = file.write_all(&chunk).and_then(|()| file.sync_all()) {
                assert_eq!(
                    error.raw_os_error(),
                    Some(28),
                    "the disk fills up (ENOSPC): {error}"
                );
                return path;
            }
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// SQLite's disk filled up while POSTs stream: every answer is a 202 or a 507 with
/// `Retry-After` (no 500), reads still work while the disk is full, POSTs succeed again once
/// there is space — without a restart — nothing acknowledged is lost, the file passes
/// `PRAGMA integrity_check` and the audit chain verifies.
#[test]
fn a_full_disk_under_sqlite_gives_507_and_writes_resume_when_space_returns() {
    let test = "a_full_disk_under_sqlite_gives_507_and_writes_resume_when_space_returns";
    let Some(disk) = SmallDisk::mount(test, "16m") else {
        return;
    };
    let mut setup = set_up(disk.path(), &[]);
    let stream = Stream::start(&setup, 1, 507, false);
    assert!(
        stream.wait_until(Duration::from_secs(30), |s| s.confirmed() >= 50),
        "the stream makes progress"
    );
    let filler = disk.fill();
    assert!(
        stream.wait_until(Duration::from_secs(30), |s| s.refused() >= 3),
        "POSTs are refused once the disk is full: {}\nthe server logged:\n{}",
        stream.report(),
        logged_errors(&setup.server)
    );
    assert_eq!(whoami(&setup).status, 200, "reads work on a full disk");
    std::fs::remove_file(filler).expect("space returns");
    let before = stream.confirmed();
    assert!(
        stream.wait_until(Duration::from_secs(30), |s| s.confirmed() > before + 20),
        "POSTs succeed again once there is space, kyoyu untouched"
    );
    let (tally, confirmed) = stream.finish();
    assert!(
        tally.wrong.is_empty(),
        "answers other than 202 or 507 with Retry-After:\n{}",
        tally.wrong.join("\n")
    );
    assert!(
        tally.refusal_body.contains("disk is full") && tally.refusal_body.contains("満杯"),
        "{}",
        tally.refusal_body
    );
    eprintln!(
        "{test}: {} POSTs stored, {} refused with 507, {} objects acknowledged",
        tally.ok,
        tally.refused,
        confirmed.len()
    );
    assert_none_lost(&setup, &confirmed);
    setup.server.kill();
    assert_sqlite_intact(disk.path());
    let (code, stdout) = verify(disk.path(), &[]);
    assert_eq!(code, Some(0), "{stdout}");
}
