//! Which dataset a command works on.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use taskq_ingest::{IngestOptions, Input};
use taskq_store::{Dataset, StoreError};

const DEFAULT: &str = "taskq-data";

/// The built-in sample: `taskq gen --tasks 300 --seed 7`, zstd-compressed (see data/README.md).
pub(crate) const SAMPLE: &[u8] = include_bytes!("../../../data/sample.jsonl.zst");

/// The dataset to ingest into: `--dataset`, else `TASKQ_DATASET`, else ./taskq-data.
pub(crate) fn for_writing(arg: Option<PathBuf>) -> Result<PathBuf> {
    let path = arg.unwrap_or_else(|| PathBuf::from(DEFAULT));
    refuse_url(&path)?;
    Ok(path)
}

/// A dataset is a local folder: a URL (`s3://bucket/ds`) is refused by name rather than taken
/// for a folder called `s3:`.
fn refuse_url(path: &Path) -> Result<()> {
    let text = path.to_string_lossy();
    let Some((scheme, _)) = text.split_once("://") else {
        return Ok(());
    };
    let is_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if is_scheme {
        bail!(
            "{text}: datasets at URLs ({scheme}://) are not supported yet; \
             give a local folder, such as --dataset ./evals"
        );
    }
    Ok(())
}

/// The named state writers keep in the dataset (sync watermarks and checkpoints); empty when
/// no run has completed yet (no folder, or one left by a first run that was killed).
pub(crate) fn sync_states(
    root: &Path,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>> {
    match Dataset::open(root) {
        Ok(ds) => Ok(ds.manifest().state.clone()),
        Err(StoreError::NotADataset { .. }) => Ok(Default::default()),
        Err(e) => Err(e.into()),
    }
}

/// A dataset opened for reading; holds the sample's temporary folder alive when it is the sample.
pub(crate) struct Opened {
    dataset: Dataset,
    sample: Option<tempfile::TempDir>,
}

impl Opened {
    pub(crate) fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The folder, or the built-in sample, as a page or message names it.
    pub(crate) fn describe(&self) -> String {
        match self.sample {
            Some(_) => String::from("the built-in sample (taskq gen --tasks 300 --seed 7)"),
            None => self.dataset.root().display().to_string(),
        }
    }
}

/// The dataset to read: the one named (which must exist), else ./taskq-data if it exists, else
/// the built-in sample, said on stderr.
pub(crate) async fn for_reading(arg: Option<PathBuf>) -> Result<Opened> {
    if let Some(p) = &arg {
        refuse_url(p)?;
    }
    let named = match arg {
        Some(p) if !p.exists() => bail!(
            "{}: no such dataset (run `taskq ingest --dataset {} FILES` first)",
            p.display(),
            p.display()
        ),
        Some(p) => Some(p),
        None if Path::new(DEFAULT).exists() => Some(PathBuf::from(DEFAULT)),
        None => None,
    };
    if let Some(p) = named {
        let dataset = Dataset::open(&p)?;
        return Ok(Opened {
            dataset,
            sample: None,
        });
    }
    let dir = tempfile::tempdir().context("creating a folder for the built-in sample")?;
    let file = dir.path().join("sample.jsonl.zst");
    std::fs::write(&file, SAMPLE).with_context(|| file.display().to_string())?;
    let root = dir.path().join("dataset");
    let report =
        taskq_ingest::ingest(&[Input::Path(file)], &IngestOptions::new(root.clone())).await?;
    eprintln!(
        "taskq: using the built-in sample dataset ({} tasks): no --dataset or TASKQ_DATASET given, and ./{DEFAULT} does not exist",
        report.tasks_written
    );
    let dataset = Dataset::open(&root)?;
    Ok(Opened {
        dataset,
        sample: Some(dir),
    })
}
