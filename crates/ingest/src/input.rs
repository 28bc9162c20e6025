//! Naming, finding and opening inputs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::{IngestCounters, IngestError};

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a folder read recursively.
    Path(PathBuf),
    /// Standard input (`-` on the command line).
    Stdin,
}

const BUFFER: usize = 1 << 20;

/// How a file is compressed, by its first bytes.
enum Compression {
    Gzip,
    Zstd,
    None,
}

impl Compression {
    fn of(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// What the inputs held: the files to read, in order; the files passed over, each with why; and
/// the folders with nothing in them.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) files: Vec<Input>,
    pub(crate) skipped: Vec<String>,
    pub(crate) empty: Vec<String>,
}

impl Input {
    /// How the input is named in messages and the quarantine.
    pub fn display_name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "-".to_owned(),
        }
    }

    /// Opens the input, decompressing gzip or zstd when its first bytes say so. Bytes read from
    /// the file itself (before decompression) are added to `counters.bytes`.
    pub(crate) fn open(
        &self,
        counters: Arc<IngestCounters>,
    ) -> Result<Box<dyn BufRead + Send>, IngestError> {
        let name = self.display_name();
        let raw: Box<dyn Read + Send> = match self {
            Input::Path(p) => Box::new(File::open(p).map_err(|e| IngestError::read(&name, e))?),
            Input::Stdin => Box::new(io::stdin()),
        };
        let raw = Counted {
            inner: raw,
            counters,
        };
        let mut buffered = BufReader::with_capacity(BUFFER, raw);
        let magic = buffered
            .fill_buf()
            .map_err(|e| IngestError::read(&name, e))?;
        let zstd_err = |e| IngestError::read(&name, e);
        Ok(match Compression::of(magic) {
            Compression::Gzip => Box::new(BufReader::with_capacity(
                BUFFER,
                flate2::bufread::MultiGzDecoder::new(buffered),
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                BUFFER,
                zstd::stream::read::Decoder::with_buffer(buffered).map_err(zstd_err)?,
            )),
            Compression::None => Box::new(buffered),
        })
    }
}

/// Adds what it reads to the ingest's progress.
struct Counted<R> {
    inner: R,
    counters: Arc<IngestCounters>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The total size of `files`; `None` when standard input is among them.
pub(crate) fn total_size(files: &[Input]) -> Result<Option<u64>, IngestError> {
    let mut total = 0;
    for input in files {
        match input {
            Input::Stdin => return Ok(None),
            Input::Path(p) => {
                let meta = std::fs::metadata(p)
                    .map_err(|e| IngestError::read(&p.display().to_string(), e))?;
                total += meta.len();
            }
        }
    }
    Ok(Some(total))
}

/// Files to read, in order: inputs as given, folders recursively in sorted order. A file inside
/// a folder is read when its content starts like task JSON, gzip or zstd (whatever its name);
/// anything else there is passed over and named. Fails before anything is read when a path does
/// not exist.
pub(crate) fn expand(inputs: &[Input]) -> Result<Found, IngestError> {
    let mut found = Found::default();
    for input in inputs {
        match input {
            Input::Stdin => found.files.push(Input::Stdin),
            Input::Path(p) if p.is_dir() => walk(p, &mut found)?,
            Input::Path(p) if p.exists() => found.files.push(input.clone()),
            Input::Path(p) => {
                return Err(IngestError::Missing {
                    path: p.display().to_string(),
                });
            }
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Found) -> Result<(), IngestError> {
    let read = |e| IngestError::read(&dir.display().to_string(), e);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read)?;
    entries.retain(|p| {
        !p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
    });
    if entries.is_empty() {
        found
            .empty
            .push(format!("{}: empty folder, nothing read", dir.display()));
    }
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
            continue;
        }
        let name = path.display().to_string();
        match looks_like_tasks(&path) {
            Ok(true) => found.files.push(Input::Path(path)),
            Ok(false) => found.skipped.push(format!(
                "{name}: skipped: does not start with JSON, gzip or zstd (name it on the \
                 command line to read it anyway)"
            )),
            Err(e) => return Err(IngestError::read(&name, e)),
        }
    }
    Ok(())
}

/// Whether a file's first bytes are gzip's or zstd's magic, or (past white space and a byte
/// order mark) a JSON object or array; an empty file counts, and is warned about when read.
fn looks_like_tasks(path: &Path) -> io::Result<bool> {
    let mut head = Vec::with_capacity(512);
    File::open(path)?.take(512).read_to_end(&mut head)?;
    if !matches!(Compression::of(&head), Compression::None) {
        return Ok(true);
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    Ok(match text.iter().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(b) => matches!(b, b'{' | b'['),
    })
}
