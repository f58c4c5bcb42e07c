//! kyoyu-testkit: what the test suites of several crates share, as a dev-dependency only.
//!
//! Today that is [`python`], the interpreter of the virtualenv `scripts/python-peers` installs
//! with the peer tools kyoyu's output is checked against (OASIS stix2-validator, PyMISP,
//! taxii2-client).
//!
//! Key decision: the script runs once per test process (a [`OnceLock`]), not once per test: it
//! serialises its callers on a file lock (and installs the pins on a fresh machine), so tests
//! running in parallel would otherwise queue on it one by one.
//! It fails loudly, naming the script, and never skips: a missing peer would otherwise turn a
//! compatibility check into a silent pass.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `scripts/python-peers` in the repository this crate was built from.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/python-peers")
}

/// The Python interpreter with the peer tools installed (runs `scripts/python-peers` the first
/// time it is called in a process).
///
/// # Panics
///
/// When the script cannot be run, fails, or prints no existing interpreter; the message names
/// the script and carries what it wrote to stderr.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(install).clone()
}

fn install() -> PathBuf {
    let script = script();
    // Through bash, so a checkout that lost the executable bit still works.
    let output = Command::new("bash")
        .arg(&script)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
    assert!(
        output.status.success(),
        "{} failed ({}):\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    let python = PathBuf::from(printed.trim());
    assert!(
        python.is_file(),
        "{} printed `{}`, which is not an interpreter",
        script.display(),
        printed.trim()
    );
    python
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interpreter_has_every_peer_tool_and_is_looked_up_once() {
        let first = python();
        assert_eq!(python(), first);
        let output = Command::new(&first)
            .args(["-c", "import pymisp, stix2validator, taxii2client"])
            .output()
            .expect("the interpreter runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
