//! The `kyoyu` command: thin clap front-end over `kyoyu-core`.
//!
//! Key decision: the binary only parses arguments, picks the language and "now", calls a use
//! case and maps failures to exit statuses — 0 done, 2 bad input (with a message naming the file,
//! field and line) — so every behaviour worth testing lives in the libraries.

mod hub;
mod init;
mod server;

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use kyoyu_core::AssessSettings;
use kyoyu_guidance::{Guidance, TimingSettings};
use kyoyu_model::Lang;
use kyoyu_model::timeline::{Timestamp, parse_timestamp};

/// kyoyu — what damage information goes out, to whom and when (guidance-based).
#[derive(Debug, Parser)]
#[command(name = "kyoyu", version, about)]
struct Cli {
    /// Language of reports and messages, ja or en (default: from the locale — LC_ALL,
    /// LC_MESSAGES, LANG — else en).
    #[arg(long, value_enum, global = true)]
    lang: Option<LangArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ChannelArg {
    Share,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Stix,
    Misp,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Ja,
    En,
}

/// Where the identity profile comes from: a profile file or an incident file.
#[derive(Debug, clap::Args)]
struct ProfileSource {
    /// A profile file holding the contract's `[organization]` table.
    #[arg(
        long,
        conflicts_with = "incident",
        required_unless_present = "incident"
    )]
    profile: Option<PathBuf>,
    /// An incident file whose `[organization]` is used.
    #[arg(long)]
    incident: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Copy a whole store into an empty one — a SQLite data directory to PostgreSQL, or back
    /// for a downgrade or a backup — with every id, hash and audit entry as it is; then verify
    /// the target's audit chain, its head against the source's and every table's rows, and
    /// print them. Stop the source's servers and workers first. The target must be empty (a new
    /// directory, or a new schema: `kyoyu migrate` or nothing); a store that holds data is
    /// refused, never merged into. A failed copy leaves the target empty. Exit 0 verified, 1 a
    /// mismatch, 2 refused or failed. The pseudonym key is not copied: it is a file (key_file).
    ///
    /// ストア全体を空のストアへコピーします（SQLite から PostgreSQL へ、または逆方向）。
    /// ID・ハッシュ・監査ログはそのまま移り、コピー後に監査チェーン、先頭、表ごとの件数を検証します。
    CopyStore {
        /// The store to copy: a data directory (`kyoyu-data`) or a postgres:// URL.
        #[arg(long)]
        from: String,
        /// The empty store to copy into: a new data directory or a postgres:// URL of an empty
        /// schema (`?options=-csearch_path%3Dschema` for one other than public).
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organization (a tenant).
    Create {
        /// Its unique name.
        name: String,
        /// What it is.
        #[arg(long, default_value = "victim", value_parser = ["victim", "vendor", "hub", "member"])]
        kind: String,
        #[command(flatten)]
        store: server::StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token; prints the token alone on stdout (shown once, stored hashed).
    Create {
        /// The organization it acts for.
        #[arg(long)]
        org: String,
        /// Its role.
        #[arg(long, value_parser = ["responder", "vendor", "executive", "hub_analyst", "member"])]
        role: String,
        /// Who holds it (a note for people).
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        store: server::StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole audit log; exit 1 if any entry was altered or removed.
    Verify {
        /// The head hash recorded earlier elsewhere: also detects entries removed from the end.
        #[arg(long)]
        expect_head: Option<String>,
        #[command(flatten)]
        store: server::StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum HubCommand {
    /// Correlate a workload folder (`DIR/submissions.jsonl`) into campaigns with the hub's
    /// engine and settings; write `{"campaigns": {"<id>": ["<submission id>", …]}, …}`.
    Correlate {
        /// The workload folder.
        dir: PathBuf,
        /// Write the JSON here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Values in more submissions than this stop linking (over-correlation).
        #[arg(long, default_value_t = kyoyu_hub::Settings::default().cap)]
        cap: u32,
        /// Values seen together in at least this many submissions link …
        #[arg(long, default_value_t = kyoyu_hub::Settings::default().min_shared)]
        min_shared: u32,
        /// … when those are at least this share of the submissions holding the commoner one.
        #[arg(long, default_value_t = kyoyu_hub::Settings::default().min_share)]
        min_share: f64,
        /// A cluster is a campaign from this many distinct members.
        #[arg(long, default_value_t = kyoyu_hub::Settings::default().min_members)]
        min_members: usize,
        /// Exclude values matching this pattern (`*`, `?`; repeatable).
        #[arg(long)]
        exclude: Vec<String>,
        /// Print phase timings to standard error.
        #[arg(long)]
        timings: bool,
    },
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The hub's engine outside the server: correlate a workload folder.
    Hub {
        #[command(subcommand)]
        command: HubCommand,
    },
    /// Assess an incident file: what may go out now, deadlines, publication advice.
    Assess {
        /// The incident file (.toml or .json).
        file: PathBuf,
        /// Print the contract's JSON instead of the readable report.
        #[arg(long, conflicts_with = "brief")]
        json: bool,
        /// The executive's one screen: publish or not yet and why, what may go out, what must
        /// not, what is due by when, what waiting costs.
        #[arg(long)]
        brief: bool,
        /// "Now" for deadlines and decay, RFC 3339 with offset (default: the current time).
        #[arg(long, value_parser = parse_at)]
        at: Option<Timestamp>,
        /// Half-life of shared technical information's value, hours (guidance G4).
        #[arg(long, default_value_t = 72.0, value_parser = parse_half_life)]
        half_life: f64,
        /// Also look for single-byte-XOR forms of the identifiers in samples (slow).
        #[arg(long)]
        deep: bool,
    },
    /// Check files, directories and ZIP archives (also `infected`-encrypted) for the
    /// organization's identifiers before they leave (guidance G6). Exit 1 when something was
    /// found, 0 when clean, 2 on error.
    Scan {
        #[command(flatten)]
        source: ProfileSource,
        /// Files and directories to scan.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also look for single-byte-XOR forms (slow).
        #[arg(long)]
        deep: bool,
    },
    /// Write a redacted copy of a text file (identifiers replaced by placeholders) and say what
    /// changed; a binary file with findings is refused: share it by hash only.
    Redact {
        /// The file to redact.
        file: PathBuf,
        #[command(flatten)]
        source: ProfileSource,
        /// Where to write the redacted copy (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Also write which placeholder stands for what (JSON, readable by its owner only):
        /// for the victim to keep, never to send with the copy.
        #[arg(long)]
        map: Option<PathBuf>,
    },
    /// Write the share package toward one community: exactly what the egress gate lets go (items
    /// allowed for that community, or approved), each with its TLP marking; toward a hub under a
    /// pseudonym. Formats: a STIX 2.1 bundle or a MISP event.
    Export {
        /// The incident file.
        file: PathBuf,
        /// The channel; sharing is the one with packages.
        #[arg(long, value_enum, default_value_t = ChannelArg::Share)]
        channel: ChannelArg,
        /// The community id of the incident file's `[[communities]]`.
        #[arg(long)]
        community: String,
        /// The wire format.
        #[arg(long, value_enum)]
        format: FormatArg,
        /// Where to write (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// "Now" for the assessment and the package's timestamps (RFC 3339; default: now).
        #[arg(long, value_parser = parse_at)]
        at: Option<Timestamp>,
        /// The organization's key file that keys the pseudonym and the object ids (HMAC);
        /// created at the first export, readable by its owner only. Keep it: the same key gives
        /// the same pseudonym and ids on every re-export. Default: `kyoyu.key` beside the
        /// incident file.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Read a STIX 2.1 bundle or a MISP event and print its indicators, vulnerabilities and
    /// ATT&CK techniques as incident-file items, or add them to an incident file with `--into`. Elements that cannot
    /// be taken over are listed on stderr with their JSON path (exit 0); an unreadable file
    /// exits 2.
    Import {
        /// The STIX 2.1 bundle or MISP event JSON file.
        file: PathBuf,
        /// A TOML incident file to add the items to (written only if it still checks).
        #[arg(long)]
        into: Option<PathBuf>,
    },
    /// Run the server: TAXII 2.1 at /taxii2/, the REST API at /api/ (OpenAPI at
    /// /api/openapi.json), /healthz; /metrics on the operator's listener (metrics_listen). A new
    /// data directory gets a first hub
    /// organization and a token, printed once.
    Serve {
        #[command(flatten)]
        store: server::StoreArgs,
        /// Address to listen on (default 127.0.0.1:8480).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Name of the first organization on a new server.
        #[arg(long, default_value = "hub")]
        first_org: String,
    },
    /// Run the job worker (the durable queue in the store: scheduled checks today, the hub's
    /// correlation and alerts next) until SIGINT or SIGTERM; any number may run beside the
    /// servers on one database. `kyoyu serve` runs one in-process unless `worker = "off"`.
    Worker {
        #[command(flatten)]
        store: server::StoreArgs,
    },
    /// Bring the store's schema up to this version (every process does it when it opens the
    /// store; this does it ahead of a rollout) and print the schema version.
    Migrate {
        #[command(flatten)]
        store: server::StoreArgs,
    },
    /// Set up organizations and tokens on the server's data (works while it runs); copy a
    /// whole store into another (copy-store).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a commented starter incident file that asks the five questions of the first day
    /// (valid as written: every answer is commented out). Refuses to replace an existing file.
    Init {
        /// The file to write (`-`: standard output).
        #[arg(default_value = "incident.toml")]
        file: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the default settings file of `kyoyu serve`, every key explained.
    DefaultConfig,
    /// Print the rules in force with their ids and sources.
    Rules {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_at(text: &str) -> Result<Timestamp, String> {
    parse_timestamp(text).map_err(|error| error.to_string())
}

fn parse_half_life(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(hours) if hours.is_finite() && hours > 0.0 => Ok(hours),
        _ => Err(format!("`{text}` is not a positive number of hours")),
    }
}

/// One of two sentences by language.
fn say(lang: Lang, ja: String, en: String) -> String {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn warning_word(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "注意",
        Lang::En => "warning",
    }
}

fn language(choice: Option<LangArg>) -> Lang {
    match choice {
        Some(LangArg::Ja) => Lang::Ja,
        Some(LangArg::En) => Lang::En,
        None => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty())
            .and_then(|value| Lang::from_locale(&value))
            .unwrap_or(Lang::En),
    }
}

/// A failure the user can fix (exit 2) or one of ours (exit 1 would hide it; also 2, reported).
fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = language(cli.lang);
    match run(cli.command, lang) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("kyoyu: {}", describe(&error, lang));
            ExitCode::from(2)
        }
    }
}

/// A failure in the reader's language: input errors (the incident or profile file) carry both
/// languages; anything else prints its English chain.
fn describe(error: &anyhow::Error, lang: Lang) -> String {
    if let Some(error) = error.downcast_ref::<kyoyu_core::LoadError>() {
        return error.render(lang);
    }
    if let Some(error) = error.downcast_ref::<kyoyu_core::FileError>() {
        return error.render(lang);
    }
    if let Some(kyoyu_core::import::ImportError::Incident(error)) =
        error.downcast_ref::<kyoyu_core::import::ImportError>()
    {
        return error.render(lang);
    }
    format!("{error:#}")
}

fn run(command: Command, lang: Lang) -> anyhow::Result<ExitCode> {
    match command {
        Command::Hub {
            command:
                HubCommand::Correlate {
                    dir,
                    output,
                    cap,
                    min_shared,
                    min_share,
                    min_members,
                    exclude,
                    timings,
                },
        } => hub::correlate(hub::CorrelateArgs {
            dir: &dir,
            output: output.as_deref(),
            settings: kyoyu_hub::Settings {
                cap,
                min_shared,
                min_share,
                min_members,
                ..kyoyu_hub::Settings::default()
            },
            exclude: &exclude,
            timings,
        }),
        Command::Serve {
            store,
            listen,
            first_org,
        } => server::serve(&store, listen, &first_org),
        Command::Worker { store } => server::worker(&store),
        Command::Migrate { store } => server::migrate(&store),
        Command::Admin {
            command:
                AdminCommand::Org {
                    command: OrgCommand::Create { name, kind, store },
                },
        } => server::create_org(&store, &name, &kind),
        Command::Admin {
            command:
                AdminCommand::Token {
                    command:
                        TokenCommand::Create {
                            org,
                            role,
                            label,
                            store,
                        },
                },
        } => server::create_token(&store, &org, &role, label.as_deref()),
        Command::Admin {
            command: AdminCommand::CopyStore { from, to },
        } => server::copy_store(&from, &to),
        Command::Audit {
            command: AuditCommand::Verify { expect_head, store },
        } => server::verify_audit(&store, expect_head.as_deref()),
        Command::Init { file, force } => init::run(&file, lang, force),
        Command::DefaultConfig => {
            print!("{}", kyoyu_server::Settings::default_file());
            Ok(ExitCode::SUCCESS)
        }
        Command::Assess {
            file,
            json,
            brief,
            at,
            half_life,
            deep,
        } => {
            let loaded = kyoyu_core::load_incident(&file)?;
            for warning in &loaded.warnings {
                eprintln!("kyoyu: {}: {}", warning_word(lang), warning.render(lang));
            }
            let at = at.unwrap_or_else(|| chrono::Local::now().fixed_offset());
            let settings = AssessSettings {
                timing: TimingSettings {
                    half_life_hours: half_life,
                    ..TimingSettings::default()
                },
                deep_scan: deep,
            };
            let assessment = kyoyu_core::assess(&loaded.incident, &loaded.base, at, &settings)?;
            if json {
                println!("{}", kyoyu_core::json::to_json(&assessment, lang));
            } else if brief {
                print!(
                    "{}",
                    kyoyu_core::report::brief(&assessment, &loaded.incident, lang)
                );
            } else {
                print!(
                    "{}",
                    kyoyu_core::report::render(&assessment, &loaded.incident, lang)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan {
            source,
            paths,
            json,
            deep,
        } => scan(source, &paths, json, deep, lang),
        Command::Redact {
            file,
            source,
            output,
            map,
        } => redact(&file, source, output, map, lang),
        Command::Export {
            file,
            channel: ChannelArg::Share,
            community,
            format,
            output,
            at,
            key,
        } => export(&file, &community, format, output, at, key, lang),
        Command::Import { file, into } => {
            let collect = kyoyu_core::import::ImportedItems::default();
            let imported = match &into {
                Some(_) => kyoyu_core::import::import_file(&file, collect)?,
                // Printed as they are read: a bundle of any size in bounded memory.
                None => kyoyu_core::import::import_file(
                    &file,
                    kyoyu_core::import::ImportedItems::streamed(Box::new(|row| {
                        print!(
                            "{}",
                            kyoyu_core::import::items_toml(std::slice::from_ref(&row))
                        );
                    })),
                )?,
            };
            for diagnostic in &imported.diagnostics {
                eprintln!("kyoyu: skipped {diagnostic}");
            }
            if let Some(incident) = into {
                kyoyu_core::import::append_to_incident(&incident, &imported.items)?;
                eprintln!(
                    "kyoyu: {} item(s) added to {}",
                    imported.count,
                    incident.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { json } => {
            let guidance = Guidance::builtin().map_err(|error| anyhow::anyhow!("{error}"))?;
            let obligations = kyoyu_obligations::RuleSet::builtin();
            if json {
                let document = serde_json::json!({
                    "guidance": guidance.catalogue.entries().iter().map(|entry| serde_json::json!({
                        "id": entry.id, "source": entry.source, "title": entry.title.get(lang),
                    })).collect::<Vec<_>>(),
                    "obligations": obligations.rules().iter().map(|rule| serde_json::json!({
                        "id": rule.id, "jurisdiction": rule.jurisdiction.as_str(), "basis": rule.basis,
                        "recipient": rule.recipient.get(lang), "route": rule.route,
                        "trigger": rule.trigger.to_string(), "deadline": rule.deadline_text.get(lang),
                        "verified": rule.verified, "source": rule.source,
                    })).collect::<Vec<_>>(),
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&document)
                        .context("rendering the rules as JSON")?
                );
            } else {
                let heading = |ja: &str, en: &str| {
                    if lang == Lang::Ja {
                        ja.to_owned()
                    } else {
                        en.to_owned()
                    }
                };
                println!("{}", heading("# ガイダンスの規則", "# Guidance rules"));
                for entry in guidance.catalogue.entries() {
                    println!(
                        "{:<4} {}  ({})",
                        entry.id,
                        entry.title.get(lang),
                        entry.source
                    );
                }
                println!(
                    "\n{}",
                    heading(
                        "# 法令上の報告義務（G14）",
                        "# Legal reporting obligations (G14)"
                    )
                );
                for rule in obligations.rules() {
                    let unverified = if rule.verified {
                        String::new()
                    } else {
                        format!(" {}", heading("［未検証］", "[unverified]"))
                    };
                    println!("{} ({}){unverified}", rule.id, rule.jurisdiction.as_str());
                    println!("    {}: {}", heading("根拠", "basis"), rule.basis);
                    println!(
                        "    {}: {}",
                        heading("提出先", "to"),
                        rule.recipient.get(lang)
                    );
                    println!(
                        "    {}: {}",
                        heading("期限", "deadline"),
                        rule.deadline_text.get(lang)
                    );
                    println!("    {}: {}", heading("条件", "when"), rule.trigger);
                    println!("    {}: {}", heading("出典", "source"), rule.source);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The profile named by `--profile` or `--incident`, and the file it came from.
fn profile_from(source: ProfileSource) -> anyhow::Result<(kyoyu_model::IdentityProfile, PathBuf)> {
    match (source.profile, source.incident) {
        (Some(path), _) => Ok((kyoyu_core::scan::load_profile(&path, false)?, path)),
        (None, Some(path)) => Ok((kyoyu_core::scan::load_profile(&path, true)?, path)),
        (None, None) => anyhow::bail!("give --profile FILE or --incident FILE"),
    }
}

fn scan(
    source: ProfileSource,
    paths: &[PathBuf],
    json: bool,
    deep: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let (profile, origin) = profile_from(source)?;
    let scanner = kyoyu_core::scan::scanner(&profile, deep, &origin)?;
    let (files, mut walk_errors) = kyoyu_core::scan::files(paths);
    let total: u64 = files.iter().map(|(_, size)| size).sum();
    // A progress bar on long scans only, and only for a person at a terminal.
    let bar = (total > 64 << 20 && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut report = kyoyu_core::scan::scan_files(&scanner, &files, |done| {
        if let Some(bar) = &bar {
            bar.inc(done);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    walk_errors.append(&mut report.errors);
    report.errors = walk_errors;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("rendering the scan as JSON")?
        );
    } else {
        for found in &report.matches {
            println!(
                "{}: {} ({}, {}) `{}`",
                found.place(),
                found.identifier,
                found.category,
                found.encoding,
                found.matched
            );
            println!("    {}", found.excerpt);
            // Bytes matter in a binary sample (a hex editor finds them at the offset).
            if found.line.is_none() {
                println!("    {}  |{}|", found.excerpt_hex, found.excerpt_ascii);
            }
        }
        eprintln!(
            "kyoyu: {}",
            say(
                lang,
                format!(
                    "{} 件の一致（入力 {} 件、{} バイト）",
                    report.matches.len(),
                    report.inputs,
                    report.bytes
                ),
                format!(
                    "{} match(es) in {} input(s), {} bytes",
                    report.matches.len(),
                    report.inputs,
                    report.bytes
                ),
            )
        );
    }
    for error in &report.errors {
        eprintln!("kyoyu: {error}");
    }
    Ok(if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if report.matches.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes beside the target and renames into place: never a half-written file. `private`: only
/// the owner may read it (the placeholder map holds the originals).
fn write_atomically(path: &std::path::Path, contents: &str, private: bool) -> anyhow::Result<()> {
    let temporary = path.with_extension("kyoyu-partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options
        .open(&temporary)
        .and_then(|mut file| std::io::Write::write_all(&mut file, contents.as_bytes()));
    written.with_context(|| format!("{}: cannot write", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("{}: cannot write", path.display()))
}

fn redact(
    file: &std::path::Path,
    source: ProfileSource,
    output: Option<PathBuf>,
    map: Option<PathBuf>,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    if let Some(map) = &map
        && (Some(map) == output.as_ref() || map == file)
    {
        anyhow::bail!(
            "{}: the placeholder map must be a file of its own, apart from the text and its redacted copy",
            map.display()
        );
    }
    let (profile, origin) = profile_from(source)?;
    let scanner = kyoyu_core::scan::scanner(&profile, false, &origin)?;
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let Ok(text) = String::from_utf8(bytes.clone()) else {
        // A binary sample cannot be redacted safely: with findings it goes out by hash only.
        let report = kyoyu_core::scan::scan_files(
            &scanner,
            &[(file.to_path_buf(), bytes.len() as u64)],
            |_| {},
        );
        if report.matches.is_empty() {
            eprintln!(
                "kyoyu: {}: {}",
                file.display(),
                say(
                    lang,
                    "バイナリファイル。識別情報は見つからず、伏せ字にするものはありません"
                        .to_owned(),
                    "binary file, no identifiers found; nothing to redact".to_owned(),
                )
            );
            return Ok(ExitCode::SUCCESS);
        }
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        eprintln!(
            "kyoyu: {}: {}",
            file.display(),
            say(
                lang,
                format!(
                    "識別情報が {} 件あるバイナリファイル（G6）：ファイルとしては出さず、ハッシュだけで共有します",
                    report.matches.len()
                ),
                format!(
                    "binary file with {} finding(s) (G6): it is shared by hash only, never as a file",
                    report.matches.len()
                ),
            )
        );
        println!("sha256:{hex}");
        return Ok(ExitCode::from(1));
    };
    let redaction = kyoyu_core::scan::redact(&scanner, &text);
    match &output {
        Some(path) => write_atomically(path, &redaction.text, false)?,
        None => print!("{}", redaction.text),
    }
    if let Some(path) = &map {
        let json = kyoyu_core::scan::placeholder_map_json(
            &redaction.placeholders,
            &file.display().to_string(),
        );
        write_atomically(path, &json, true)?;
    }
    for placed in &redaction.changes {
        let change = &placed.change;
        eprintln!(
            "kyoyu: {}:{}:{}: `{}` -> `{}` ({}, {})",
            file.display(),
            placed.line,
            placed.column,
            change.original,
            change.replacement,
            change.category,
            change.form
        );
    }
    let (changes, placeholders) = (
        redaction.changes.len(),
        redaction.placeholders.entries().len(),
    );
    eprintln!(
        "kyoyu: {}",
        say(
            lang,
            format!("置き換え {changes} か所、仮名 {placeholders} 種類"),
            format!("{changes} change(s), {placeholders} placeholder(s)"),
        )
    );
    if let Some(path) = &map {
        eprintln!(
            "kyoyu: {}",
            say(
                lang,
                format!(
                    "仮名の対応表は {} に書きました。手元に保管し、送らないでください",
                    path.display()
                ),
                format!(
                    "placeholder map in {} — keep it, do not send it",
                    path.display()
                ),
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn export(
    file: &std::path::Path,
    community: &str,
    format: FormatArg,
    output: Option<PathBuf>,
    at: Option<Timestamp>,
    key: Option<PathBuf>,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let loaded = kyoyu_core::load_incident(file)?;
    let key_file = key.unwrap_or_else(|| loaded.base.join("kyoyu.key"));
    let key = kyoyu_core::egress::PseudonymKey::load_or_create(&key_file)?;
    let at = at.unwrap_or_else(|| chrono::Local::now().fixed_offset());
    let format = match format {
        FormatArg::Misp => kyoyu_core::share::ShareFormat::Misp,
        FormatArg::Stix => kyoyu_core::share::ShareFormat::Stix,
    };
    let shared =
        kyoyu_core::share::share(&loaded.incident, &loaded.base, community, format, at, &key)?;
    for line in &shared.skipped {
        eprintln!("kyoyu: not in the bundle: {line}");
    }
    let json = &shared.document;
    match &output {
        Some(path) => {
            // Written beside the target and renamed into place: never a half-written package.
            let temporary = path.with_extension("kyoyu-partial");
            std::fs::write(&temporary, json)
                .with_context(|| format!("{}: cannot write", temporary.display()))?;
            std::fs::rename(&temporary, path)
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        None => println!("{json}"),
    }
    for withheld in &shared.withheld {
        for line in kyoyu_core::share::describe_withheld(withheld, lang) {
            eprintln!("kyoyu: {line}");
        }
    }
    match lang {
        Lang::Ja => eprintln!(
            "kyoyu: パッケージに入れた項目 {} 件、保留 {} 件",
            shared.released.len(),
            shared.withheld.len()
        ),
        Lang::En => eprintln!(
            "kyoyu: {} item(s) in the package, {} withheld",
            shared.released.len(),
            shared.withheld.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
