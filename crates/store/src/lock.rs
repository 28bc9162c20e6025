//! One writer at a time per dataset.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::StoreError;

/// Held while a run writes; the file is removed on drop.
#[derive(Debug)]
pub(crate) struct WriteLock {
    path: PathBuf,
}

impl WriteLock {
    pub(crate) fn acquire(dir: &Path) -> Result<WriteLock, StoreError> {
        let path = dir.join("lock");
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    write!(f, "{}", std::process::id()).map_err(StoreError::io(&path))?;
                    return Ok(WriteLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = std::fs::read_to_string(&path)
                        .unwrap_or_default()
                        .trim()
                        .to_owned();
                    // A lock left by a process that no longer runs (killed mid-run) is stale.
                    let alive = !pid.is_empty() && Path::new("/proc").join(&pid).exists();
                    if alive || !Path::new("/proc/self").exists() {
                        return Err(StoreError::Locked { path, pid });
                    }
                    std::fs::remove_file(&path).map_err(StoreError::io(&path))?;
                }
                Err(e) => return Err(StoreError::Io { path, source: e }),
            }
        }
        Err(StoreError::Locked {
            path,
            pid: String::new(),
        })
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
