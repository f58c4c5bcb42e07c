//! Server settings, layered: built-in defaults → a TOML file → `KYOYU_*` environment variables →
//! command-line flags (the binary applies the flags last).
//!
//! Key decision: one plain struct with `deny_unknown_fields` and a hand-written layering of
//! about forty lines rather than a configuration framework: the layers are few, every key is
//! documented in `kyoyu default-config`, and a misspelt key in the file or the environment is an
//! error that names it, not a silently ignored setting.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Everything `kyoyu serve` can be told. `Debug` shows a database URL without its password.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The operator's listener for `/metrics`, apart from the API's address (loopback by
    /// default: the counters say who is busy); `off` serves no metrics.
    pub metrics_listen: String,
    /// Directory of the embedded SQLite store (created if missing).
    pub data: PathBuf,
    /// A database URL (`postgres://…`) instead of the embedded store; empty for the embedded one.
    pub database: String,
    /// The installation's pseudonym key (HMAC secret of pseudonyms and derived ids); empty:
    /// `pseudonym.key` in `data`. Every process of one installation must use the same key, so
    /// servers on several machines over one database are given the same file (a mounted secret).
    pub key_file: String,
    /// Largest request body accepted, in bytes (TAXII `max_content_length`).
    pub max_body_bytes: usize,
    /// Most objects one TAXII POST (or one import) may hold; more is a 413 before any is read.
    pub max_objects: usize,
    /// Objects per TAXII page when the client gives no `limit`.
    pub page_size: usize,
    /// Largest `limit` honoured; larger ones are lowered to it (TAXII allows that).
    pub max_page_size: usize,
    /// Seconds a verified token is remembered before argon2 is asked again.
    pub token_cache_seconds: u64,
    /// The log filter (`info`, `kyoyu_server=debug`, …).
    pub log: String,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// The server's title in TAXII discovery.
    pub title: String,
    /// `in_process`: `kyoyu serve` also runs the job worker (the single-machine default);
    /// `off`: jobs are left to `kyoyu worker` processes.
    pub worker: String,
    /// Seconds between two runs of the scheduled audit-chain check.
    pub audit_verify_seconds: u64,
    /// Seconds a worker's claim on a job holds; a job whose worker died is claimed again after
    /// it (longer than the longest job).
    pub job_lease_seconds: u64,
    /// Requests one token may make per minute, counted across every process over the store
    /// (0: no limit); past it, 429 with `Retry-After` until the minute ends.
    pub rate_limit_per_minute: u64,
    /// Milliseconds between two exchanges of a process's request counts with the store: the
    /// bound on how late another process's requests are counted.
    pub rate_limit_sync_ms: u64,
    /// The base URL clients reach this server at (`https://taxii.example.org`), named in TAXII
    /// discovery; empty: `http://` and the address it listens on. Never taken from a request's
    /// `Host` header, which any client can set.
    pub public_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8480)),
            metrics_listen: "127.0.0.1:9480".into(),
            data: PathBuf::from("kyoyu-data"),
            database: String::new(),
            key_file: String::new(),
            max_body_bytes: 10 * 1024 * 1024,
            max_objects: 10_000,
            page_size: 100,
            max_page_size: 1000,
            token_cache_seconds: 60,
            log: "info".into(),
            log_format: "text".into(),
            title: "kyoyu".into(),
            worker: "in_process".into(),
            audit_verify_seconds: 3600,
            job_lease_seconds: 300,
            rate_limit_per_minute: 12_000,
            rate_limit_sync_ms: 500,
            public_url: String::new(),
        }
    }
}

impl Settings {
    /// The base URL TAXII discovery names: `public_url`, or `http://` and the listen address.
    pub fn base_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("metrics_listen", &self.metrics_listen)
            .field("data", &self.data)
            .field("database", &redacted_url(&self.database))
            .field("key_file", &self.key_file)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_objects", &self.max_objects)
            .field("page_size", &self.page_size)
            .field("max_page_size", &self.max_page_size)
            .field("token_cache_seconds", &self.token_cache_seconds)
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field("title", &self.title)
            .field("worker", &self.worker)
            .field("audit_verify_seconds", &self.audit_verify_seconds)
            .field("job_lease_seconds", &self.job_lease_seconds)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("rate_limit_sync_ms", &self.rate_limit_sync_ms)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// A database URL with its password replaced (`postgres://kyoyu:***@db/kyoyu`), for logs and
/// `Debug`; a URL with no password is shown as it is.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The credentials end at the last `@` before the path (a password may hold `@` or `/`).
    let authority_end = rest.rfind('@');
    match authority_end {
        Some(at) => {
            let credentials = &rest[..at];
            match credentials.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file is not valid settings.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What is wrong, with the key and line.
        message: String,
    },
    /// An environment variable is not valid.
    #[error("environment variable {name}: {message}")]
    Environment {
        /// The variable.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// The prefix of the environment variables read.
pub const ENV_PREFIX: &str = "KYOYU_";

impl Settings {
    /// Every setting's key (in the file; upper-cased after [`ENV_PREFIX`] in the environment).
    pub const KEYS: [&'static str; 19] = [
        "listen",
        "metrics_listen",
        "data",
        "database",
        "key_file",
        "max_body_bytes",
        "max_objects",
        "page_size",
        "max_page_size",
        "token_cache_seconds",
        "log",
        "log_format",
        "title",
        "public_url",
        "worker",
        "audit_verify_seconds",
        "job_lease_seconds",
        "rate_limit_per_minute",
        "rate_limit_sync_ms",
    ];

    /// The defaults as a commented TOML file (`kyoyu default-config`).
    pub fn default_file() -> String {
        let defaults = Settings::default();
        format!(
            "# kyoyu serve settings. Layers: these defaults, then this file (--config), then\n\
             # KYOYU_* environment variables (KYOYU_LISTEN, KYOYU_DATA, …), then flags.\n\
             \n\
             # Address to listen on.\n\
             listen = \"{listen}\"\n\
             # The operator's address for /metrics, apart from the API (`off`: none).\n\
             metrics_listen = \"{metrics}\"\n\
             # Directory of the embedded SQLite store (created if missing).\n\
             data = \"{data}\"\n\
             # postgres://… to use PostgreSQL instead of the embedded store; empty: embedded.\n\
             database = \"\"\n\
             # The pseudonym key (one per installation, the same file for every process);\n\
             # empty: pseudonym.key in `data`.\n\
             key_file = \"\"\n\
             # Largest request body accepted, in bytes (TAXII max_content_length).\n\
             max_body_bytes = {max_body}\n\
             # Most objects one TAXII POST or one import may hold (more: 413).\n\
             max_objects = {max_objects}\n\
             # Objects per TAXII page without `limit`, and the largest `limit` honoured.\n\
             page_size = {page}\n\
             max_page_size = {max_page}\n\
             # Seconds a verified token is remembered before argon2 is asked again.\n\
             token_cache_seconds = {cache}\n\
             # Log filter and format (text or json).\n\
             log = \"{log}\"\n\
             log_format = \"{format}\"\n\
             # Title in TAXII discovery.\n\
             title = \"{title}\"\n\
             # The base URL clients reach the server at, named in TAXII discovery\n\
             # (https://taxii.example.org); empty: http:// and the address it listens on.\n\
             public_url = \"\"\n\
             # in_process: serve also runs the job worker; off: leave jobs to `kyoyu worker`.\n\
             worker = \"{worker}\"\n\
             # Seconds between two scheduled checks of the audit chain.\n\
             audit_verify_seconds = {audit}\n\
             # Seconds a worker's claim on a job holds (a dead worker's job waits this long).\n\
             job_lease_seconds = {lease}\n\
             # Requests per token and minute across all processes (0: no limit; past it: 429),\n\
             # and milliseconds between two exchanges of each process's counts with the store.\n\
             rate_limit_per_minute = {rate}\n\
             rate_limit_sync_ms = {sync}\n",
            listen = defaults.listen,
            metrics = defaults.metrics_listen,
            data = defaults.data.display(),
            max_body = defaults.max_body_bytes,
            max_objects = defaults.max_objects,
            page = defaults.page_size,
            max_page = defaults.max_page_size,
            cache = defaults.token_cache_seconds,
            log = defaults.log,
            format = defaults.log_format,
            title = defaults.title,
            worker = defaults.worker,
            audit = defaults.audit_verify_seconds,
            lease = defaults.job_lease_seconds,
            rate = defaults.rate_limit_per_minute,
            sync = defaults.rate_limit_sync_ms,
        )
    }

    /// Settings from a TOML file's text, on top of the defaults.
    pub fn from_file(text: &str, file: &str) -> Result<Settings, SettingsError> {
        toml::from_str(text).map_err(|error| SettingsError::File {
            file: file.to_owned(),
            message: error.to_string().trim_end().to_owned(),
        })
    }

    /// Applies `KYOYU_*` variables from `vars` (the process environment in the binary).
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), SettingsError> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            let bad = |message: String| SettingsError::Environment {
                name: name.clone(),
                message,
            };
            let number = |value: &str| {
                value
                    .parse::<u64>()
                    .map_err(|_| bad(format!("expected a whole number, found `{value}`")))
            };
            match key.as_str() {
                "listen" => {
                    self.listen = value
                        .parse()
                        .map_err(|_| bad(format!("expected ADDRESS:PORT, found `{value}`")))?
                }
                "metrics_listen" => self.metrics_listen = value,
                "data" => self.data = PathBuf::from(value),
                "database" => self.database = value,
                "key_file" => self.key_file = value,
                "max_body_bytes" => self.max_body_bytes = number(&value)? as usize,
                "max_objects" => self.max_objects = number(&value)? as usize,
                "page_size" => self.page_size = number(&value)? as usize,
                "max_page_size" => self.max_page_size = number(&value)? as usize,
                "token_cache_seconds" => self.token_cache_seconds = number(&value)?,
                "log" => self.log = value,
                "log_format" => self.log_format = value,
                "title" => self.title = value,
                "public_url" => self.public_url = value,
                "worker" => self.worker = value,
                "audit_verify_seconds" => self.audit_verify_seconds = number(&value)?,
                "job_lease_seconds" => self.job_lease_seconds = number(&value)?,
                "rate_limit_per_minute" => self.rate_limit_per_minute = number(&value)?,
                "rate_limit_sync_ms" => self.rate_limit_sync_ms = number(&value)?,
                // A misspelt variable is an error naming it, as a misspelt key in the file is:
                // a setting silently not applied is worse than a server that does not start.
                _ => {
                    return Err(bad(format!(
                        "not a setting; the KYOYU_ variables are {}",
                        Self::KEYS
                            .iter()
                            .map(|key| format!("{ENV_PREFIX}{}", key.to_ascii_uppercase()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
        Ok(())
    }

    /// Where the pseudonym key is: `key_file`, or `pseudonym.key` in the data directory.
    pub fn key_path(&self) -> PathBuf {
        if self.key_file.is_empty() {
            self.data.join("pseudonym.key")
        } else {
            PathBuf::from(&self.key_file)
        }
    }

    /// The metrics listener's address, `None` when it is `off`.
    pub fn metrics_address(&self) -> Result<Option<SocketAddr>, SettingsError> {
        if self.metrics_listen == "off" {
            return Ok(None);
        }
        self.metrics_listen.parse().map(Some).map_err(|_| {
            SettingsError::Invalid(format!(
                "metrics_listen: expected ADDRESS:PORT or `off`, found `{}`",
                self.metrics_listen
            ))
        })
    }

    /// Checks the values together.
    pub fn check(&self) -> Result<(), SettingsError> {
        self.metrics_address()?;
        if !["in_process", "off"].contains(&self.worker.as_str()) {
            return Err(SettingsError::Invalid(format!(
                "worker: expected in_process or off, found `{}`",
                self.worker
            )));
        }
        if self.rate_limit_sync_ms == 0 || self.rate_limit_sync_ms > 60_000 {
            return Err(SettingsError::Invalid(
                "rate_limit_sync_ms must be 1–60000".into(),
            ));
        }
        if self.job_lease_seconds == 0 {
            return Err(SettingsError::Invalid(
                "job_lease_seconds must be at least 1".into(),
            ));
        }
        if self.audit_verify_seconds == 0 {
            return Err(SettingsError::Invalid(
                "audit_verify_seconds must be at least 1".into(),
            ));
        }
        if self.page_size == 0 || self.max_page_size == 0 || self.page_size > self.max_page_size {
            return Err(SettingsError::Invalid(format!(
                "page_size ({}) must be between 1 and max_page_size ({})",
                self.page_size, self.max_page_size
            )));
        }
        if self.max_objects == 0 {
            return Err(SettingsError::Invalid(
                "max_objects must be at least 1".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(SettingsError::Invalid(format!(
                "max_body_bytes ({}) must be at least 1024",
                self.max_body_bytes
            )));
        }
        let scheme_ok = ["http://", "https://"]
            .iter()
            .any(|scheme| self.public_url.starts_with(scheme));
        if !self.public_url.is_empty() && !scheme_ok {
            return Err(SettingsError::Invalid(format!(
                "public_url must start with http:// or https://, found `{}`",
                self.public_url
            )));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(SettingsError::Invalid(format!(
                "log_format must be `text` or `json`, found `{}`",
                self.log_format
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_gives_the_defaults() {
        let parsed = Settings::from_file(&Settings::default_file(), "default").unwrap();
        assert_eq!(parsed, Settings::default());
    }

    #[test]
    fn layers_apply_in_order_and_errors_name_the_key() {
        let mut settings = Settings::from_file("page_size = 50\ntitle = \"hub\"\n", "f").unwrap();
        assert_eq!(settings.page_size, 50);
        settings
            .apply_env([
                ("KYOYU_PAGE_SIZE".into(), "20".into()),
                ("PATH".into(), "/bin".into()),
            ])
            .unwrap();
        assert_eq!((settings.page_size, settings.title.as_str()), (20, "hub"));
        let error = Settings::from_file("page_sise = 5\n", "kyoyu.toml").unwrap_err();
        assert!(error.to_string().contains("page_sise"), "{error}");
        assert!(error.to_string().starts_with("kyoyu.toml:"), "{error}");
        let error = settings
            .apply_env([("KYOYU_LISTEN".into(), "nowhere".into())])
            .unwrap_err();
        assert!(error.to_string().contains("KYOYU_LISTEN"), "{error}");
        settings.page_size = 5000;
        assert!(settings.check().is_err());
    }

    #[test]
    fn an_unknown_kyoyu_variable_is_an_error_naming_it() {
        let mut settings = Settings::default();
        let error = settings
            .apply_env([("KYOYU_PAGESIZE".into(), "20".into())])
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("KYOYU_PAGESIZE"), "{text}");
        assert!(
            text.contains("KYOYU_PAGE_SIZE"),
            "lists the real ones: {text}"
        );
        // Other programs' variables are not ours to judge.
        settings
            .apply_env([("KYOYUX".into(), "1".into()), ("HOME".into(), "/".into())])
            .unwrap();
        // Every key of the file is a variable too.
        for key in Settings::KEYS {
            let toml = Settings::default_file();
            assert!(toml.contains(&format!("\n{key} = ")), "{key} documented");
        }
    }

    #[test]
    fn debug_hides_the_database_password() {
        let settings = Settings {
            database: "postgres://kyoyu:s3cr%40t/pw@db.example:5432/kyoyu".into(),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(
            shown.contains("postgres://kyoyu:***@db.example:5432/kyoyu"),
            "{shown}"
        );
        assert_eq!(redacted_url("postgres://db/kyoyu"), "postgres://db/kyoyu");
        assert_eq!(redacted_url(""), "");
    }
}
