//! The server side of the command: `kyoyu serve`, `worker`, `migrate`, `kyoyu admin org|token
//! create`, `kyoyu admin copy-store`, `kyoyu audit verify` and `kyoyu default-config`.
//!
//! Key decision: the backend is picked once, here, from the settings (`--data DIR` → the
//! embedded SQLite store, the default; `--database URL` → a database server), and everything
//! after works on `Arc<dyn Store>`; settings are layered defaults → `--config` file → `KYOYU_*`
//! environment → flags, so a script can set a server up from nothing with the same flags it
//! serves with.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use kyoyu_server::Settings;
use kyoyu_store::{Actor, OrgKind, Role, Store, TokenRecord};

/// Where the data is: the flags `serve` and `admin` share.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// A settings file (TOML; see `kyoyu default-config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Directory of the embedded store (default `kyoyu-data`).
    #[arg(long, conflicts_with = "database")]
    pub data: Option<PathBuf>,
    /// A database URL instead of the embedded store.
    #[arg(long)]
    pub database: Option<String>,
}

/// The settings from every layer.
pub fn settings(
    args: &StoreArgs,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<Settings> {
    let mut settings = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the settings file", path.display()))?;
            Settings::from_file(&text, &path.display().to_string())?
        }
        None => Settings::default(),
    };
    settings.apply_env(std::env::vars())?;
    if let Some(data) = &args.data {
        settings.data = data.clone();
        settings.database.clear();
    }
    if let Some(database) = &args.database {
        settings.database = database.clone();
    }
    if let Some(listen) = listen {
        settings.listen = listen;
    }
    settings.check()?;
    Ok(settings)
}

/// Opens the backend the settings name.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    if !settings.database.is_empty() {
        let shown = kyoyu_server::settings::redacted_url(&settings.database);
        if !["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| settings.database.starts_with(scheme))
        {
            bail!(
                "--database {shown}: expected a postgres:// URL (or --data DIR for the embedded store)"
            );
        }
        let store = kyoyu_store_postgres::PostgresStore::open(&settings.database)
            .await
            .with_context(|| format!("{shown}: cannot open the store"))?;
        return Ok(Arc::new(store));
    }
    let store = kyoyu_store_sqlite::SqliteStore::open(&settings.data)
        .await
        .with_context(|| format!("{}: cannot open the store", settings.data.display()))?;
    Ok(Arc::new(store))
}

/// A database URL without its password, for messages.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn init_logs(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Issues a token and stores its hash; returns the token text.
async fn issue_token(
    store: &dyn Store,
    org: kyoyu_store::OrgId,
    role: Role,
    label: &str,
) -> anyhow::Result<kyoyu_store::TokenSecret> {
    let issued = tokio::task::spawn_blocking(kyoyu_store::token::issue)
        .await?
        .map_err(anyhow::Error::msg)?;
    let record = TokenRecord {
        id: issued.id.clone(),
        org,
        role,
        label: label.to_owned(),
        hash: issued.hash.clone(),
        created: chrono::Utc::now(),
        revoked: None,
    };
    store
        .system_create_token(&Actor::operator(), &record)
        .await?;
    Ok(issued.secret)
}

/// `kyoyu serve`.
pub fn serve(
    args: &StoreArgs,
    listen: Option<std::net::SocketAddr>,
    first_org: &str,
) -> anyhow::Result<ExitCode> {
    let settings = settings(args, listen)?;
    init_logs(&settings);
    runtime()?.block_on(async move {
        // Before the address is announced: a SIGTERM right after it stops the server in order.
        let shutdown = shutdown_signal();
        let store = open_store(&settings).await?;
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let address = listener.local_addr()?;
        let metrics = match settings.metrics_address()? {
            Some(at) => Some(
                tokio::net::TcpListener::bind(at)
                    .await
                    .with_context(|| format!("cannot listen on {at} for metrics (metrics_listen; `off` serves none)"))?,
            ),
            None => None,
        };
        let metrics_address = match &metrics {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        };
        let mut settings = settings;
        if settings.public_url.is_empty() {
            // The address actually bound (a port of 0 is chosen by the system).
            settings.public_url = format!("http://{address}");
        }
        if store.system_orgs().await?.is_empty() {
            // A new server: one hub organization and an analyst token, shown once.
            let org = store
                .system_create_org(&Actor::operator(), first_org, OrgKind::Hub)
                .await?;
            let token = issue_token(store.as_ref(), org.id, Role::HubAnalyst, "first token").await?;
            eprintln!(
                "kyoyu: new server: organization `{}` (hub) with a hub_analyst token, shown this once:\n\n    {}\n\n\
                 Try:  curl -H 'Authorization: Bearer {}' http://{address}/api/whoami\n\
                 TAXII 2.1: http://{address}/taxii2/  (HTTP Basic: any user name, the token as password)\n\
                 More organizations and tokens: kyoyu admin org create NAME --kind victim|vendor|hub|member\n\
                 \x20                              kyoyu admin token create --org NAME --role ROLE\n\
                 新しいサーバです。上のトークンは一度だけ表示されます。",
                org.name,
                token.expose(),
                token.expose()
            );
        }
        if let Some(at) = metrics_address {
            eprintln!("kyoyu: metrics on http://{at}/metrics");
        }
        eprintln!(
            "kyoyu: listening on http://{address} (TAXII 2.1 at /taxii2/, REST at /api/, OpenAPI at /api/openapi.json); data in {}",
            settings.data.display()
        );
        // The installation's pseudonym key: in the data directory, outside the database, so a
        // backup of the directory keeps it; created at the first start.
        let key_file = settings.key_path();
        let key = kyoyu_core::egress::PseudonymKey::load_or_create(&key_file)
            .with_context(|| "the pseudonym key cannot be used")?;
        kyoyu_server::serve(store, settings, key, listener, metrics, shutdown).await?;
        eprintln!("kyoyu: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// `kyoyu migrate`: opens the store (which applies the migrations this binary ships, each once,
/// under the backend's lock, so several processes may start at once) and says which schema
/// version it is at.
pub fn migrate(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(args, None)?;
    runtime()?.block_on(async move {
        drop(open_store(&settings).await?);
        let version = if settings.database.is_empty() {
            kyoyu_store_sqlite::SqliteStore::schema_version()
        } else {
            kyoyu_store_postgres::PostgresStore::schema_version()
        };
        println!("ok: schema version {version}");
        Ok(ExitCode::SUCCESS)
    })
}

/// `kyoyu worker`: the job worker on the store the settings name, until SIGINT or SIGTERM.
pub fn worker(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(args, None)?;
    init_logs(&settings);
    runtime()?.block_on(async move {
        let shutdown = shutdown_signal();
        let store = open_store(&settings).await?;
        let worker_settings = kyoyu_server::worker::WorkerSettings::for_process(&settings);
        eprintln!(
            "kyoyu: worker {} running (jobs: {})",
            worker_settings.name,
            kyoyu_server::worker::KINDS.join(", ")
        );
        kyoyu_server::worker::run(store, worker_settings, shutdown).await;
        eprintln!("kyoyu: worker stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// SIGINT or SIGTERM. The handlers are installed when this is called (inside the runtime), not
/// when the future is first polled: a signal that arrives early is not lost to the default
/// action, which would kill the process without its orderly stop.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let (mut terminate, mut interrupt) = (terminate, interrupt);
            let term = async {
                match terminate.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match interrupt.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = term => {},
                () = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `kyoyu admin org create`.
pub fn create_org(args: &StoreArgs, name: &str, kind: &str) -> anyhow::Result<ExitCode> {
    let settings = settings(args, None)?;
    let kind = OrgKind::parse(kind)
        .with_context(|| format!("--kind {kind}: expected victim, vendor, hub or member"))?;
    if name.trim().is_empty() || name.trim() != name {
        bail!("the organization name `{name}` is empty or has spaces around it");
    }
    runtime()?.block_on(async move {
        let store = open_store(&settings).await?;
        let org = store
            .system_create_org(&Actor::operator(), name, kind)
            .await?;
        eprintln!(
            "kyoyu: created organization `{}` ({})",
            org.name,
            org.kind.as_str()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// `kyoyu admin token create`: prints the token alone on stdout.
pub fn create_token(
    args: &StoreArgs,
    org: &str,
    role: &str,
    label: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let settings = settings(args, None)?;
    let role = Role::parse(role).with_context(|| {
        format!("--role {role}: expected responder, vendor, executive, hub_analyst or member")
    })?;
    runtime()?.block_on(async move {
        let store = open_store(&settings).await?;
        let found = store.system_org_by_name(org).await?.with_context(|| {
            format!("--org {org}: no such organization (kyoyu admin org create {org})")
        })?;
        let token = issue_token(store.as_ref(), found.id, role, label.unwrap_or("")).await?;
        println!("{}", token.expose());
        Ok(ExitCode::SUCCESS)
    })
}

/// `kyoyu audit verify`: walks the whole chain; exit 1 when it is broken.
pub fn verify_audit(args: &StoreArgs, expect_head: Option<&str>) -> anyhow::Result<ExitCode> {
    let settings = settings(args, None)?;
    runtime()?.block_on(async move {
        let store = open_store(&settings).await?;
        let last = match kyoyu_store::audit::verify_store(store.as_ref()).await? {
            Ok(last) => last,
            Err(broken) => {
                println!("BROKEN: {broken}");
                eprintln!("kyoyu: the audit log was altered after it was written / 監査ログが改ざんされています");
                return Ok(ExitCode::from(1));
            }
        };
        if let Some(expected) = expect_head
            && expected != last.1
        {
            println!(
                "BROKEN: the head is {} but {expected} was expected (entries removed from the end?)",
                last.1
            );
            return Ok(ExitCode::from(1));
        }
        println!("ok: {} entries, head {}", last.0, last.1);
        Ok(ExitCode::SUCCESS)
    })
}

/// Where a store is, as `copy-store` is given it: a data directory or a database URL.
#[derive(Debug, Clone)]
enum Location {
    Data(PathBuf),
    Database(String),
}

impl Location {
    fn parse(text: &str) -> Location {
        if ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| text.starts_with(scheme))
        {
            Location::Database(text.to_owned())
        } else {
            Location::Data(PathBuf::from(text))
        }
    }

    /// For messages: the directory, or the URL without its password.
    fn shown(&self) -> String {
        match self {
            Location::Data(dir) => dir.display().to_string(),
            Location::Database(url) => kyoyu_server::settings::redacted_url(url),
        }
    }

    fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        match self {
            Location::Data(dir) => settings.data = dir.clone(),
            Location::Database(url) => settings.database = url.clone(),
        }
        settings
    }
}

/// `kyoyu admin copy-store --from … --to …`: copies every row of one store into an empty one
/// (`kyoyu_store::copy`), then verifies the target — its audit chain, its head against the
/// source's, the rows per table against the source's — and prints the counts. Exit 0 when all
/// agree, 1 on a mismatch, 2 when the copy was refused or failed (the target left empty).
pub fn copy_store(from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let (from, to) = (Location::parse(from), Location::parse(to));
    if let Location::Data(dir) = &from
        && !dir.join(kyoyu_store_sqlite::DATABASE_FILE).is_file()
    {
        bail!(
            "--from {0}: no kyoyu store there ({1} is missing); --from takes a data directory \
             or a postgres:// URL / --from {0}: kyoyu のストアがありません（{1} がありません）。\
             データディレクトリか postgres:// の URL を指定してください",
            dir.display(),
            kyoyu_store_sqlite::DATABASE_FILE
        );
    }
    runtime()?.block_on(async move {
        let source = open_store(&from.settings()).await?;
        let target = open_store(&to.settings()).await?;
        let (source_shown, target_shown) = (from.shown(), to.shown());
        let source_counts = source.system_row_counts().await?;
        if source_counts.iter().all(|(_, rows)| *rows == 0) {
            bail!(
                "--from {source_shown}: the source store is empty, nothing to copy (a mistyped \
                 location?) / コピー元 {source_shown} は空です。コピーするものがありません（指定を確認してください）"
            );
        }
        if let Err(broken) = kyoyu_store::audit::verify_store(source.as_ref()).await? {
            bail!(
                "--from {source_shown}: the source's audit log is broken ({broken}); a copy \
                 would carry the break over — investigate it first (kyoyu audit verify) / コピー元の\
                 監査ログが壊れています（{broken}）。コピーすると壊れたまま移るため、先に調べてください（kyoyu audit verify）"
            );
        }
        let report = kyoyu_store::copy::copy_store(source.as_ref(), target.as_ref())
            .await
            .map_err(|error| copy_failure(&error, &target_shown))?;
        let source_head = kyoyu_store::audit::verify_store(source.as_ref()).await?;
        let target_head = kyoyu_store::audit::verify_store(target.as_ref()).await?;
        let source_counts = source.system_row_counts().await?;
        let target_counts = target.system_row_counts().await?;

        println!("copied / コピー済み: {source_shown} → {target_shown}");
        println!("  {:<18} {:>10} {:>10}", "table", "source", "target");
        let mut mismatches = Vec::new();
        for (((table, copied), (_, in_source)), (_, in_target)) in report
            .rows
            .iter()
            .zip(&source_counts)
            .zip(&target_counts)
        {
            let agree = copied == in_source && in_source == in_target;
            println!(
                "  {table:<18} {in_source:>10} {in_target:>10}{}",
                if agree { "" } else { "  MISMATCH / 不一致" }
            );
            if !agree {
                mismatches.push(format!(
                    "{table}: source {in_source}, copied {copied}, target {in_target}"
                ));
            }
        }
        match (&source_head, &target_head) {
            (Ok(source_head), Ok(target_head)) if source_head == target_head => println!(
                "audit / 監査ログ: {} entries / 件, head / 先頭 {}",
                target_head.0, target_head.1
            ),
            (Ok(source_head), Ok(target_head)) => mismatches.push(format!(
                "audit head: the source's is {} (seq {}), the target's {} (seq {})",
                source_head.1, source_head.0, target_head.1, target_head.0
            )),
            (_, Err(broken)) => mismatches.push(format!("the target's audit chain: {broken}")),
            (Err(broken), _) => mismatches.push(format!("the source's audit chain: {broken}")),
        }
        if let Location::Data(_) = &from {
            let key = from.settings().key_path();
            if key.is_file() {
                eprintln!(
                    "kyoyu: the pseudonym key is not in the database: give every process on the \
                     target the same file (key_file = \"{0}\") / 仮名鍵はデータベースに含まれません。\
                     コピー先のすべてのプロセスに同じファイルを渡してください（key_file = \"{0}\"）",
                    key.display()
                );
            }
        }
        if mismatches.is_empty() {
            println!(
                "ok: the target's audit chain verifies, its head and every table's rows equal the \
                 source's / コピー先の監査チェーンは正常で、先頭とすべての表の件数がコピー元と一致します"
            );
            Ok(ExitCode::SUCCESS)
        } else {
            for mismatch in &mismatches {
                println!("MISMATCH / 不一致: {mismatch}");
            }
            println!(
                "FAILED: the target does not equal the source (did the source change during the \
                 copy? stop its servers and copy again into a new, empty target) / 失敗: コピー先が\
                 コピー元と一致しません（コピー中にコピー元が変わった可能性があります。サーバを止め、新しい空のコピー先へやり直してください）"
            );
            Ok(ExitCode::from(1))
        }
    })
}

/// A failed copy in both languages, saying what, where and what became of the target.
fn copy_failure(error: &kyoyu_store::copy::CopyError, target: &str) -> anyhow::Error {
    use kyoyu_store::copy::CopyError;
    let left = "the target was left as it was (empty) / コピー先は元のまま（空）です";
    match error {
        CopyError::TargetNotEmpty(tables) => anyhow::anyhow!(
            "--to {target}: the target already holds data ({tables}); copy-store writes only into \
             an empty, freshly migrated store and never merges into one in use — give it a new data \
             directory or an empty PostgreSQL schema / コピー先 {target} にはすでにデータがあります\
             （{tables}）。copy-store は空の（マイグレーション直後の）ストアにだけ書き込み、使用中の\
             ストアに混ぜることはしません。新しいデータディレクトリか空の PostgreSQL スキーマを指定してください"
        ),
        CopyError::Open { side, error } => anyhow::anyhow!(
            "cannot begin the copy on the {side}: {error}; {left} / コピーを始められません（{}）",
            if *side == "source" {
                "コピー元"
            } else {
                "コピー先"
            }
        ),
        CopyError::Read {
            table,
            after,
            error,
        } => anyhow::anyhow!(
            "reading {table} from the source after the row {after} failed: {error}; {left} / \
             コピー元の {table} を行 {after} の後から読めませんでした"
        ),
        CopyError::Write { table, row, error } => anyhow::anyhow!(
            "the target refused {table} row {row}: {error}; the copy was rolled back and {left} / \
             コピー先が {table} の行 {row} を受け付けませんでした。コピーは取り消されました"
        ),
        CopyError::Commit(error) => anyhow::anyhow!(
            "finishing the copy failed: {error}; {left} / コピーの仕上げ（ID の続き、オブジェクト時刻、監査ログの先頭、確定）に失敗しました"
        ),
    }
}
