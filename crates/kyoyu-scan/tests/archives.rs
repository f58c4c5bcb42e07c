//! Files, directories and ZIP archives: plain, `infected`-encrypted (ZipCrypto and AES), wrong
//! password, nested, corrupt.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use kyoyu_scan::{Match, OwnedMatch, ScanError, Sink};
use zip::write::SimpleFileOptions;

/// Keeps matches as `(source, identifier, form)` and errors as their source.
#[derive(Default)]
struct Collect {
    matches: Vec<(String, String, String)>,
    errors: Vec<String>,
}

impl Sink for Collect {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        self.matches.push((
            found.source.to_owned(),
            found.identifier.to_owned(),
            found.form.to_string(),
        ));
        true
    }
    fn error(&mut self, error: &ScanError) -> bool {
        self.errors.push(error.source_name().to_owned());
        true
    }
}

fn test_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name)
}

fn zip_bytes(entries: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, password) in entries {
        let options = SimpleFileOptions::default();
        let options = match password {
            Some(password) => options.with_aes_encryption(zip::AesMode::Aes128, password),
            None => options,
        };
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn committed_archives_plain_and_infected_are_scanned_in_memory() {
    let scanner = common::profile();
    for name in [
        "sample-plain.zip",
        "sample-infected-zipcrypto.zip",
        "sample-infected-aes.zip",
    ] {
        let mut sink = Collect::default();
        let summary = scanner.scan_path(&test_data(name), &mut sink).unwrap();
        let entry = format!("{}!sample/dropper.bin", test_data(name).display());
        let mut got: Vec<_> = sink
            .matches
            .iter()
            .filter(|(source, _, _)| *source == entry)
            .map(|(_, id, form)| (id.as_str(), form.as_str()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("corp.exdenki.local", "ascii"),
                ("example-denki.co.jp", "utf-16le"),
                ("svc_backup01", "ascii"),
            ],
            "{name}"
        );
        assert!(sink.errors.is_empty(), "{name}: {:?}", sink.errors);
        assert_eq!(summary.inputs, 1, "{name}");
        assert_eq!(summary.bytes, 117, "{name}");
    }
}

#[test]
fn corrupt_archive_is_an_error_value() {
    let scanner = common::profile();
    let mut sink = Collect::default();
    let error = scanner
        .scan_path(&test_data("corrupt-truncated.zip"), &mut sink)
        .unwrap_err();
    assert!(matches!(error, ScanError::Archive { .. }), "{error}");
    let garbage = b"PK\x03\x04 this is not really a zip archive at all".to_vec();
    let error = scanner
        .scan_zip(Cursor::new(garbage), "mem.zip", &mut sink)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("mem.zip: cannot read ZIP archive"),
        "{error}"
    );
}

#[test]
fn wrong_password_is_reported_and_other_entries_still_scanned() {
    let scanner = common::profile();
    let archive = zip_bytes(&[
        ("locked.txt", b"svc_backup01", Some("not-infected")),
        ("open.txt", b"svc_backup01", None),
    ]);
    let mut sink = Collect::default();
    let summary = scanner
        .scan_zip(Cursor::new(archive), "a.zip", &mut sink)
        .unwrap();
    assert_eq!(sink.errors, vec!["a.zip!locked.txt".to_owned()]);
    assert_eq!(sink.matches.len(), 1);
    assert_eq!(sink.matches[0].0, "a.zip!open.txt");
    assert_eq!(summary.errors, 1);
}

#[test]
fn nested_archives_and_entry_names() {
    let scanner = common::profile();
    let inner = zip_bytes(&[("cfg.ini", b"host=192.0.2.10\n", Some("infected"))]);
    let outer = zip_bytes(&[
        ("inner.zip", &inner, None),
        ("C:/Users/svc_backup01/readme.txt", b"nothing", None),
    ]);
    let mut found: Vec<OwnedMatch> = Vec::new();
    scanner
        .scan_zip(Cursor::new(outer), "outer.zip", &mut found)
        .unwrap();
    let got: Vec<_> = found
        .iter()
        .map(|m| (m.source.as_str(), m.identifier.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("outer.zip!inner.zip!cfg.ini", "192.0.2.0/24"),
            ("outer.zip!C:/Users/svc_backup01/readme.txt", "svc_backup01"),
        ]
    );
}

#[test]
fn directories_are_scanned_recursively() {
    let dir = std::env::temp_dir().join(format!("kyoyu-scan-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::fs::write(
        dir.join("a/b/note.txt"),
        "mail from taro@mail.example-denki.co.jp",
    )
    .unwrap();
    std::fs::write(dir.join("a/clean.txt"), "nothing here").unwrap();
    std::fs::copy(test_data("sample-infected-aes.zip"), dir.join("s.zip")).unwrap();
    let scanner = common::profile();
    let mut sink = Collect::default();
    let summary = scanner.scan_path(&dir, &mut sink).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let sources: std::collections::BTreeSet<_> = sink
        .matches
        .iter()
        .map(|(source, _, _)| {
            source
                .strip_prefix(dir.to_str().unwrap())
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        vec!["/a/b/note.txt", "/s.zip!sample/dropper.bin"]
    );
    assert_eq!(summary.inputs, 3);
    let missing = scanner.scan_path(&dir, &mut sink).unwrap_err();
    assert!(matches!(missing, ScanError::Io { .. }));
}
