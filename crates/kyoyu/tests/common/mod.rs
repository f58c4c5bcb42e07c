//! What the command-line tests share: the repository root and a way to run the binary there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (examples and test data paths are relative to it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `kyoyu` with the arguments from the repository root.
pub fn kyoyu(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(arguments)
        .current_dir(root())
        .output()
        .expect("kyoyu runs")
}
