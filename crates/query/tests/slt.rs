//! SQL answers as sqllogictest files: tests/slt/fixtures/*.slt run on a dataset ingested from
//! data/fixtures, tests/slt/sample/*.slt on the built-in sample (data/sample.jsonl.zst).
//! `SLT_UPDATE=1` rewrites the expected results in place (then read the diff).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};
use taskq_ingest::{IngestOptions, Input};
use taskq_query::{QueryError, Session};
use taskq_store::Dataset;

struct Taskq(Session);

#[async_trait::async_trait]
impl AsyncDB for Taskq {
    type Error = QueryError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, QueryError> {
        let result = self.0.sql(sql).await?;
        let types = result
            .schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                t if t.is_integer() => DefaultColumnType::Integer,
                t if t.is_floating() => DefaultColumnType::FloatingPoint,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    DefaultColumnType::Text
                }
                _ => DefaultColumnType::Any,
            })
            .collect();
        let options = FormatOptions::default().with_null("NULL");
        let mut rows = Vec::new();
        for batch in &result.batches {
            let formatters: Vec<_> = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                .collect::<Result<_, _>>()
                .map_err(datafusion::error::DataFusionError::from)?;
            for r in 0..batch.num_rows() {
                rows.push(
                    formatters
                        .iter()
                        .map(|f| {
                            let s = f.value(r).to_string();
                            if s.is_empty() {
                                "(empty)".to_owned()
                            } else {
                                s
                            }
                        })
                        .collect(),
                );
            }
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn run_folder(folder: &str, input: PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    taskq_ingest::ingest(&[Input::Path(input)], &IngestOptions::new(root.clone()))
        .await
        .unwrap();
    let dataset = Dataset::open(&root).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/slt").join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .slt files in tests/slt/{folder}");
    for file in files {
        let ds = dataset.clone();
        let mut runner = sqllogictest::Runner::new(move || {
            let ds = ds.clone();
            async move { Ok::<_, QueryError>(Taskq(Session::open(ds))) }
        });
        if std::env::var_os("SLT_UPDATE").is_some() {
            runner
                .update_test_file(
                    &file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::default_column_validator,
                )
                .await
                .unwrap();
        } else if let Err(e) = runner.run_file_async(&file).await {
            panic!("{}\n{}", file.display(), e.display(true));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures() {
    run_folder("fixtures", repo().join("data/fixtures")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample() {
    run_folder("sample", repo().join("data/sample.jsonl.zst")).await;
}
