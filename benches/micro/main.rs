//! Criterion micro-benchmarks of ingest's stages and of a query, on `taskq gen` tasks:
//! `cargo bench --workspace --bench micro` (reports land in target/criterion). The end-to-end comparison
//! with DuckDB is benches/compare.sh.

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use taskq_core::Table;
use taskq_flatten::{Flattener, Record, RecordReader};
use taskq_ingest::{IngestOptions, Input};
use taskq_query::Session;
use taskq_store::{Dataset, EncodeOptions};

const TASKS: usize = 1000;

fn corpus(tasks: usize) -> Vec<u8> {
    let mut out = Vec::new();
    taskq_gen::generate(
        &taskq_gen::GenOptions {
            tasks,
            seed: 42,
            shape: taskq_gen::Shape::Mixed,
        },
        &mut out,
    )
    .unwrap();
    out
}

fn records(bytes: &[u8]) -> Vec<Record> {
    RecordReader::new(bytes).map(Result::unwrap).collect()
}

fn stages(c: &mut Criterion) {
    let bytes = corpus(TASKS);
    let recs = records(&bytes);
    let mut g = c.benchmark_group("ingest stages, 1000 tasks");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(20);
    g.bench_function("frame records", |b| b.iter(|| records(&bytes).len()));
    // One flattener for every chunk, as each ingest worker keeps its own.
    let mut worker = Flattener::new();
    g.bench_function("parse and flatten", |b| {
        b.iter(|| {
            for r in &recs {
                worker.push(r);
            }
            worker.take().len()
        })
    });
    let mut f = Flattener::new();
    for r in &recs {
        f.push(r);
    }
    let batches = f.flush().unwrap();
    let opts = EncodeOptions::default();
    // The same pages left uncompressed: the difference is what zstd costs.
    for (name, zstd) in [
        ("encode Parquet as ingest does, every table", true),
        ("encode Parquet as ingest does, every table, no zstd", false),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut size = 0;
                for (t, batch) in &batches.batches {
                    let mut props = opts.writer_properties(*t);
                    if !zstd {
                        props = props
                            .into_builder()
                            .set_compression(Compression::UNCOMPRESSED)
                            .build();
                    }
                    let mut w =
                        ArrowWriter::try_new(Vec::new(), batch.schema(), Some(props)).unwrap();
                    w.write(batch).unwrap();
                    size += w.into_inner().unwrap().len();
                }
                size
            })
        });
    }
    g.finish();
}

fn query(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tasks.jsonl");
    std::fs::write(&file, corpus(5 * TASKS)).unwrap();
    let root = dir.path().join("ds");
    rt.block_on(taskq_ingest::ingest(
        &[Input::Path(file)],
        &IngestOptions::new(root.clone()),
    ))
    .unwrap();
    let sql = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../queries/label_distribution.sql"),
    )
    .unwrap();
    let mut g = c.benchmark_group("query, 5000 tasks");
    g.sample_size(20);
    g.bench_function("open dataset + label distribution", |b| {
        b.iter(|| {
            rt.block_on(async {
                let session = Session::open(Dataset::open(&root).unwrap());
                session.sql(&sql).await.unwrap().num_rows()
            })
        })
    });
    g.bench_function("row counts from the Delta log", |b| {
        b.iter(|| {
            rt.block_on(async {
                let ds = Dataset::open(&root).unwrap();
                ds.row_counts()
                    .await
                    .unwrap()
                    .iter()
                    .find(|(t, _)| *t == Table::Annotations)
                    .map(|(_, n)| *n)
            })
        })
    });
    g.finish();
}

criterion_group!(benches, stages, query);
criterion_main!(benches);
