//! The `kyoyu` command: thin clap front-end over `kyoyu-core`.
//!
//! Key decision: the binary only parses arguments, picks the language and "now", calls a use
//! case and maps failures to exit statuses — 0 done, 2 bad input (with a message naming the file,
//! field and line) — so every behaviour worth testing lives in the libraries.

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Ja,
    En,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assess an incident file: what may go out now, deadlines, publication advice.
    Assess {
        /// The incident file (.toml or .json).
        file: PathBuf,
        /// Print the contract's JSON instead of the readable report.
        #[arg(long)]
        json: bool,
        /// "Now" for deadlines and decay, RFC 3339 with offset (default: the current time).
        #[arg(long, value_parser = parse_at)]
        at: Option<Timestamp>,
        /// Language of the texts (default: from the locale).
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Half-life of shared technical information's value, hours (guidance G4).
        #[arg(long, default_value_t = 72.0, value_parser = parse_half_life)]
        half_life: f64,
    },
    /// Print the rules in force with their ids and sources.
    Rules {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Language of the texts (default: from the locale).
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
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
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("kyoyu: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Assess {
            file,
            json,
            at,
            lang,
            half_life,
        } => {
            let lang = language(lang);
            let loaded = kyoyu_core::load_incident(&file)?;
            for warning in &loaded.warnings {
                eprintln!(
                    "kyoyu: warning: {}: {}: {}",
                    warning.file, warning.field, warning.message
                );
            }
            let at = at.unwrap_or_else(|| chrono::Local::now().fixed_offset());
            let settings = AssessSettings {
                timing: TimingSettings {
                    half_life_hours: half_life,
                    ..TimingSettings::default()
                },
            };
            let assessment = kyoyu_core::assess(&loaded.incident, at, &settings)?;
            if json {
                println!("{}", kyoyu_core::json::to_json(&assessment, lang));
            } else {
                print!(
                    "{}",
                    kyoyu_core::report::render(&assessment, &loaded.incident, lang)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { json, lang } => {
            let lang = language(lang);
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
                    let unverified = if rule.verified { "" } else { " [unverified]" };
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
