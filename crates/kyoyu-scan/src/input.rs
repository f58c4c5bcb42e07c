//! Files, directories and ZIP archives. Key decision: archives are read through the `zip`
//! crate straight from the file (or, when nested, from memory) and every entry is streamed
//! through the scanner — a sample is never written to disk. Encrypted entries are opened with
//! the configured passwords (`infected` by default; ZipCrypto and AES). One unreadable file or
//! entry is reported to the sink and the scan goes on; a panic inside the ZIP reader on hostile
//! input is caught and becomes an error value.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use zip::ZipArchive;

use crate::{ScanError, ScanSummary, Scanner, Sink};

const ZIP_MAGIC: [&[u8; 4]; 2] = [b"PK\x03\x04", b"PK\x05\x06"];

impl Scanner {
    /// Scans a file, or a directory recursively (entries in name order; symbolic links are not
    /// followed, so loops cannot happen). Files that start like a ZIP archive are opened and
    /// their entries scanned (`archive.zip!inner/path`). Returns an error only when `path`
    /// itself cannot be read; failures below it go to [`Sink::error`].
    pub fn scan_path<S: Sink + ?Sized>(
        &self,
        path: &Path,
        sink: &mut S,
    ) -> Result<ScanSummary, ScanError> {
        let mut summary = ScanSummary::default();
        let io_error = |error| ScanError::Io {
            source_name: path.display().to_string(),
            error,
        };
        let metadata = std::fs::symlink_metadata(path).map_err(io_error)?;
        if metadata.is_dir() {
            self.scan_dir(path, sink, &mut summary)?;
        } else {
            self.scan_file(path, sink, &mut summary)?;
        }
        Ok(summary)
    }

    fn scan_dir<S: Sink + ?Sized>(
        &self,
        dir: &Path,
        sink: &mut S,
        summary: &mut ScanSummary,
    ) -> Result<(), ScanError> {
        let io_error = |error| ScanError::Io {
            source_name: dir.display().to_string(),
            error,
        };
        let mut entries = std::fs::read_dir(dir)
            .map_err(io_error)?
            .collect::<io::Result<Vec<_>>>()
            .map_err(io_error)?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            if summary.stopped {
                return Ok(());
            }
            let path = entry.path();
            let result = match entry.file_type() {
                Ok(kind) if kind.is_dir() => self.scan_dir(&path, sink, summary),
                Ok(kind) if kind.is_file() => self.scan_file(&path, sink, summary),
                Ok(_) => Ok(()),
                Err(error) => Err(ScanError::Io {
                    source_name: path.display().to_string(),
                    error,
                }),
            };
            if let Err(error) = result {
                summary.errors += 1;
                if !sink.error(&error) {
                    summary.stopped = true;
                }
            }
        }
        Ok(())
    }

    fn scan_file<S: Sink + ?Sized>(
        &self,
        path: &Path,
        sink: &mut S,
        summary: &mut ScanSummary,
    ) -> Result<(), ScanError> {
        let source = path.display().to_string();
        let io_error = |error| ScanError::Io {
            source_name: source.clone(),
            error,
        };
        let mut file = File::open(path).map_err(io_error)?;
        let mut magic = [0u8; 4];
        let is_zip = file.read_exact(&mut magic).is_ok() && ZIP_MAGIC.contains(&&magic);
        file.rewind().map_err(io_error)?;
        if is_zip {
            return self.scan_zip_inner(file, &source, sink, summary, 0);
        }
        summary.inputs += 1;
        let before = summary.bytes;
        let mut part = ScanSummary::default();
        let result = self.stream(file, &source, sink, &mut part);
        summary.bytes = before + part.bytes;
        summary.matches += part.matches;
        summary.stopped |= part.stopped;
        result.map_err(io_error)
    }

    /// Scans the entries of a ZIP archive read from `reader` (a file or a `Cursor` over bytes),
    /// naming matches `source!entry/path`. Corrupt archives give [`ScanError::Archive`]; a
    /// corrupt or undecryptable entry is reported to [`Sink::error`] and skipped.
    pub fn scan_zip<R: Read + Seek, S: Sink + ?Sized>(
        &self,
        reader: R,
        source: &str,
        sink: &mut S,
    ) -> Result<ScanSummary, ScanError> {
        let mut summary = ScanSummary::default();
        self.scan_zip_inner(reader, source, sink, &mut summary, 0)?;
        Ok(summary)
    }

    fn scan_zip_inner<R: Read + Seek, S: Sink + ?Sized>(
        &self,
        reader: R,
        source: &str,
        sink: &mut S,
        summary: &mut ScanSummary,
        depth: usize,
    ) -> Result<(), ScanError> {
        let result = catch_unwind(AssertUnwindSafe(|| {
            self.scan_zip_entries(reader, source, sink, summary, depth)
        }));
        match result {
            Ok(result) => result,
            Err(_) => Err(ScanError::Archive {
                source_name: source.to_owned(),
                message: "the ZIP reader failed on malformed data".to_owned(),
            }),
        }
    }

    fn scan_zip_entries<R: Read + Seek, S: Sink + ?Sized>(
        &self,
        reader: R,
        source: &str,
        sink: &mut S,
        summary: &mut ScanSummary,
        depth: usize,
    ) -> Result<(), ScanError> {
        let archive_error = |source_name: &str, error: zip::result::ZipError| ScanError::Archive {
            source_name: source_name.to_owned(),
            message: error.to_string(),
        };
        let mut archive = ZipArchive::new(reader).map_err(|e| archive_error(source, e))?;
        for index in 0..archive.len() {
            if summary.stopped {
                return Ok(());
            }
            let name = archive
                .name_for_index(index)
                .and_then(Result::ok)
                .map(|name| name.into_owned())
                .unwrap_or_else(|| format!("#{index}"));
            let entry_source = format!("{source}!{name}");
            // Entry names carry user names and host names too (`C:\Users\taro\…`).
            let names = self.scan_named_bytes(name.as_bytes(), &entry_source, sink);
            summary.matches += names.matches;
            if names.stopped {
                summary.stopped = true;
                return Ok(());
            }
            if let Err(error) = self.scan_zip_entry(
                &mut archive,
                index,
                &name,
                &entry_source,
                sink,
                summary,
                depth,
            ) {
                summary.errors += 1;
                if !sink.error(&error) {
                    summary.stopped = true;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_zip_entry<R: Read + Seek, S: Sink + ?Sized>(
        &self,
        archive: &mut ZipArchive<R>,
        index: usize,
        name: &str,
        entry_source: &str,
        sink: &mut S,
        summary: &mut ScanSummary,
        depth: usize,
    ) -> Result<(), ScanError> {
        let archive_error = |error: zip::result::ZipError| ScanError::Archive {
            source_name: entry_source.to_owned(),
            message: error.to_string(),
        };
        let (encrypted, is_dir, size) = {
            let raw = archive.by_index_raw(index).map_err(archive_error)?;
            (raw.encrypted(), raw.is_dir(), raw.size())
        };
        if is_dir {
            return Ok(());
        }
        let password = if encrypted {
            let found = self
                .options
                .archive_passwords
                .iter()
                .find(|password| archive.by_index_decrypt(index, password).is_ok());
            match found {
                Some(password) => Some(password.clone()),
                None => {
                    return Err(ScanError::Archive {
                        source_name: entry_source.to_owned(),
                        message: "encrypted entry; none of the configured passwords opens it"
                            .to_owned(),
                    });
                }
            }
        } else {
            None
        };
        let entry = match &password {
            Some(password) => archive.by_index_decrypt(index, password),
            None => archive.by_index(index),
        }
        .map_err(archive_error)?;
        summary.inputs += 1;
        let nested = name.to_ascii_lowercase().ends_with(".zip")
            && depth + 1 < self.options.nested_archive_max_depth
            && size <= self.options.nested_archive_max_bytes;
        let io_error = |error| ScanError::Io {
            source_name: entry_source.to_owned(),
            error,
        };
        if nested {
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .take(self.options.nested_archive_max_bytes)
                .read_to_end(&mut bytes)
                .map_err(io_error)?;
            summary.bytes += bytes.len() as u64;
            if ZIP_MAGIC.iter().any(|magic| bytes.starts_with(*magic)) {
                return self.scan_zip_inner(
                    Cursor::new(bytes),
                    entry_source,
                    sink,
                    summary,
                    depth + 1,
                );
            }
            let part = self.scan_named_bytes(&bytes, entry_source, sink);
            summary.matches += part.matches;
            summary.stopped |= part.stopped;
            return Ok(());
        }
        let mut part = ScanSummary::default();
        let result = self.stream(entry, entry_source, sink, &mut part);
        summary.bytes += part.bytes;
        summary.matches += part.matches;
        summary.stopped |= part.stopped;
        result.map_err(io_error)
    }
}
