//! What the command-line tests share: the repository root and a way to run the binary there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (examples and test data paths are relative to it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The key file the tests' exports use (outside the repository: an export would otherwise
/// create `kyoyu.key` beside the example it reads).
pub fn test_key() -> String {
    std::env::temp_dir()
        .join(format!("kyoyu-test-{}.key", std::process::id()))
        .display()
        .to_string()
}

/// Runs `kyoyu` with the arguments from the repository root (an export with [`test_key`]).
pub fn kyoyu(arguments: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyoyu"));
    command.args(arguments);
    // Messages follow the locale: the tests read English unless they ask with `--lang`.
    command
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env("LC_ALL", "C");
    if arguments.first() == Some(&"export") && !arguments.contains(&"--key") {
        command.args(["--key", &test_key()]);
    }
    command.current_dir(root()).output().expect("kyoyu runs")
}
