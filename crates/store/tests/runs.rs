//! Runs, as readers see them: whole runs or nothing, upsert by task id, one writer at a time.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use taskq_core::Table;
use taskq_flatten::{Flattener, RecordReader};
use taskq_store::{Dataset, EncodeOptions, StoreError};

/// The flattened tasks of a JSON text, in segments as the flattener hands them out.
fn batches(json: &str) -> Vec<Vec<(Table, arrow::record_batch::RecordBatch)>> {
    let mut f = Flattener::new();
    for rec in RecordReader::new(json.as_bytes()) {
        assert!(f.push(&rec.unwrap()).is_empty());
    }
    f.take().into_iter().map(|b| b.batches).collect()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/fixtures")
            .join(name),
    )
    .unwrap()
}

async fn ingest(root: &Path, json: &str) {
    ingest_with(root, EncodeOptions::default(), json).await;
}

async fn ingest_with(root: &Path, opts: EncodeOptions, json: &str) {
    let mut run = Dataset::begin_run(root, opts).await.unwrap();
    for b in batches(json) {
        run.write(b).await.unwrap();
    }
    run.commit().await.unwrap();
}

/// A reader of one of the Parquet files in a table's folder.
fn parquet_file(table: &Path) -> parquet::file::reader::SerializedFileReader<std::fs::File> {
    let file = std::fs::read_dir(table)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap()
}

/// A run on `root` that has written the tasks of `json` and not committed.
async fn uncommitted_run(root: &Path, json: &str) -> taskq_store::Run {
    let mut run = Dataset::begin_run(root, EncodeOptions::default())
        .await
        .unwrap();
    for b in batches(json) {
        run.write(b).await.unwrap();
    }
    run
}

async fn counts(root: &Path) -> Vec<(Table, u64)> {
    Dataset::open(root).unwrap().row_counts().await.unwrap()
}

fn count(counts: &[(Table, u64)], t: Table) -> u64 {
    counts
        .iter()
        .find(|(ct, _)| *ct == t)
        .map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn a_run_that_dies_half_way_stays_invisible_and_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    ingest(&root, &fixture("task_completed_multithread.json")).await;
    let before = counts(&root).await;
    assert_eq!(count(&before, Table::Annotations), 22);

    // A run that commits a segment to every table (a repeated task id forces one), then dies.
    let other = fixture("task_error.json");
    let mut run = Dataset::begin_run(&root, EncodeOptions::default())
        .await
        .unwrap();
    for b in batches(&format!(
        "{}\n{}",
        other.replace('\n', ""),
        other.replace('\n', "")
    )) {
        run.write(b).await.unwrap();
    }
    drop(run);

    // The tables' logs moved on, but readers see the last completed run.
    let latest = deltalake::open_table(url::Url::from_directory_path(root.join("tasks")).unwrap())
        .await
        .unwrap();
    let visible = Dataset::open(&root)
        .unwrap()
        .table(Table::Tasks)
        .await
        .unwrap()
        .unwrap();
    assert!(latest.version() > visible.version());
    assert_eq!(counts(&root).await, before);

    // The next run rolls the tables back before it writes.
    let run = Dataset::begin_run(&root, EncodeOptions::default())
        .await
        .unwrap();
    run.commit().await.unwrap();
    let latest = deltalake::open_table(url::Url::from_directory_path(root.join("tasks")).unwrap())
        .await
        .unwrap();
    let rows: usize = latest
        .snapshot()
        .unwrap()
        .log_data()
        .iter()
        .map(|f| f.num_records().unwrap())
        .sum();
    assert_eq!(rows, 1);
    assert_eq!(counts(&root).await, before);
}

#[tokio::test]
async fn a_task_written_again_replaces_its_rows_in_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let task = fixture("task_completed_multithread.json");
    ingest(&root, &task).await;
    let once = counts(&root).await;
    ingest(&root, &task).await;
    assert_eq!(counts(&root).await, once);
    // The same task twice in one run: the later one wins, nothing is doubled, and the summary
    // counts the task once, with one repeat, and its rows once.
    let line = task.replace('\n', "");
    let mut run = Dataset::begin_run(&root, EncodeOptions::default())
        .await
        .unwrap();
    for b in batches(&format!("{line}\n{line}\n")) {
        run.write(b).await.unwrap();
    }
    let summary = run.commit().await.unwrap();
    assert_eq!(counts(&root).await, once);
    let rows: Vec<(Table, u64)> = once.iter().copied().filter(|(_, n)| *n > 0).collect();
    assert_eq!((summary.tasks, summary.repeats), (1, 1));
    assert_eq!(summary.rows, rows);
    assert_eq!(
        summary.replaced, rows,
        "the dataset's earlier version, not the run's copy"
    );
    let ds = Dataset::open(&root).unwrap();
    assert_eq!(ds.manifest().runs.len(), 3);
    assert_eq!(ds.manifest().runs[2].tasks, 1);
    let recorded = &ds.manifest().runs[2].rows;
    assert_eq!(
        recorded.get("annotations").copied(),
        Some(count(&once, Table::Annotations))
    );
}

/// A file holding rows of a re-ingested task and of others: the others' rows are written back,
/// and only the re-ingested task's earlier rows go.
#[tokio::test]
async fn re_ingesting_one_task_keeps_the_rows_of_the_others_in_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let one = fixture("task_completed_multithread.json").replace('\n', "");
    let other = fixture("task_all_scopes.json").replace('\n', "");
    ingest(&root, &one).await;
    let alone = counts(&root).await;
    let dir2 = tempfile::tempdir().unwrap();
    let both_root = dir2.path().join("ds");
    ingest(&both_root, &format!("{one}\n{other}\n")).await;
    let both = counts(&both_root).await;
    assert!(
        count(&both, Table::Annotations) > count(&alone, Table::Annotations),
        "both tasks have annotations"
    );
    let mut run = Dataset::begin_run(&both_root, EncodeOptions::default())
        .await
        .unwrap();
    for b in batches(&one) {
        run.write(b).await.unwrap();
    }
    let summary = run.commit().await.unwrap();
    assert_eq!(counts(&both_root).await, both);
    // What went is exactly the re-ingested task's earlier rows.
    let earlier: Vec<(Table, u64)> = alone.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(summary.replaced, earlier);
}

#[tokio::test]
async fn one_writer_at_a_time_and_a_dead_writers_lock_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let first = Dataset::begin_run(&root, EncodeOptions::default())
        .await
        .unwrap();
    let second = Dataset::begin_run(&root, EncodeOptions::default()).await;
    assert!(
        matches!(second, Err(StoreError::Locked { .. })),
        "{second:?}"
    );
    first.commit().await.unwrap();
    // A lock left by a process that is gone.
    std::fs::write(root.join("_taskq/lock"), "999999999").unwrap();
    Dataset::begin_run(&root, EncodeOptions::default())
        .await
        .unwrap()
        .commit()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_first_run_that_fails_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let run = uncommitted_run(&root, &fixture("task_error.json")).await;
    drop(run);
    assert!(!root.exists());
    assert!(matches!(
        Dataset::open(&root),
        Err(StoreError::NotADataset { .. })
    ));
}

/// Regression: a stopped run (Ctrl-C) left its half-written `part-*.parquet` in the table
/// folders, where a reader that lists the folder (pyarrow.dataset) failed on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_leaves_no_file_that_no_commit_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    ingest(&root, &fixture("task_completed_multithread.json")).await;
    let parts = |t: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.join(t))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".parquet"))
            .collect();
        names.sort();
        names
    };
    let committed = parts("tasks");
    let run = uncommitted_run(&root, &fixture("task_error.json")).await;
    // The tables' writers encode on the runtime's threads: let them open their files.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        parts("tasks").len() > committed.len(),
        "the run opened a file"
    );
    drop(run);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(parts("tasks"), committed);
}

/// Regression: after a first run was killed (SIGKILL: no clean-up at all), the folder read as
/// "no taskq dataset here"; it is a dataset with no completed run, whose tables are empty.
#[tokio::test]
async fn a_killed_first_run_leaves_a_dataset_with_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let run = uncommitted_run(&root, &fixture("task_error.json")).await;
    std::mem::forget(run);
    let ds = Dataset::open(&root).unwrap();
    assert!(!ds.has_completed_run());
    let counts = ds.row_counts().await.unwrap();
    assert_eq!(counts.len(), Table::ALL.len());
    assert!(counts.iter().all(|(_, n)| *n == 0), "{counts:?}");
}

/// The columns declared `dictionary` are dictionary-encoded and free text is not; on a runtime with two
/// threads, the tables' writers encode side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_columns_declared_dictionary_and_only_they_are_dictionary_encoded() {
    use parquet::basic::Encoding;
    use parquet::file::reader::FileReader;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    ingest(&root, &fixture("task_completed_multithread.json")).await;
    assert_eq!(count(&counts(&root).await, Table::Annotations), 22);

    let reader = parquet_file(&root.join("annotations"));
    let row_group = reader.metadata().row_group(0);
    let dictionary = |name: &str| {
        let chunk = row_group
            .columns()
            .iter()
            .find(|c| c.column_path().string() == name)
            .unwrap();
        chunk
            .encodings()
            .any(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY))
    };
    assert!(dictionary("key") && dictionary("role") && dictionary("model"));
    assert!(dictionary("task_id"));
    for c in Table::Annotations
        .columns()
        .iter()
        .filter(|c| !c.dictionary)
    {
        let name = match c.ty {
            taskq_core::ColType::Utf8List => format!("{}.list.element", c.name()),
            _ => c.name().to_owned(),
        };
        assert!(!dictionary(&name), "{name} is dictionary-encoded");
    }
}

/// Free text and JSON (`nostats`) are written without statistics, every other column with them,
/// in the row group and in the page index; the Delta log's statistics follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_are_kept_for_every_column_but_free_text_and_json() {
    use parquet::file::reader::FileReader;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    ingest(&root, &fixture("task_completed_multithread.json")).await;

    for t in [Table::Annotations, Table::Messages] {
        let kept = |name: &str| t.columns().iter().any(|c| c.name() == name && c.statistics);
        assert!(!kept("extra_json") && kept("task_id"), "{t}");
        let reader = parquet_file(&root.join(t.name()));
        for chunk in reader.metadata().row_group(0).columns() {
            let name = chunk.column_path().parts()[0].as_str();
            let stats = chunk.statistics();
            assert_eq!(stats.is_some(), kept(name), "{t}.{name}");
            assert_eq!(
                chunk.column_index_offset().is_some(),
                kept(name),
                "{t}.{name}"
            );
            if let Some(s) = stats.filter(|s| s.null_count_opt() == Some(0)) {
                assert!(s.min_bytes_opt().is_some(), "{t}.{name}");
            }
        }
    }
    let log = std::fs::read_dir(root.join("messages/_delta_log"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|s| s.contains(r#""add""#))
        .unwrap();
    assert!(log.contains(r#"\"role\":"#), "{log}");
    assert!(!log.contains(r#"\"text\":"#), "{log}");
}

/// Each table's row groups hold at most its own share of rows: `annotations` and `messages`
/// theirs, every other table `row_group_rows`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_groups_are_sized_per_table() {
    use parquet::file::reader::FileReader;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let opts = EncodeOptions {
        row_group_rows: 2,
        message_row_group_rows: 3,
        clustered_row_group_rows: 4,
        ..EncodeOptions::default()
    };
    ingest_with(&root, opts, &fixture("task_completed_multithread.json")).await;
    let counts = counts(&root).await;
    for (t, most) in [
        (Table::Turns, 2),
        (Table::Messages, 3),
        (Table::Annotations, 4),
    ] {
        let reader = parquet_file(&root.join(t.name()));
        let rows: Vec<i64> = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert_eq!(rows.iter().sum::<i64>() as u64, count(&counts, t), "{t}");
        assert!(rows.iter().all(|&n| n <= most), "{t}: {rows:?}");
        assert!(rows.contains(&most), "{t}: {rows:?}");
    }
}

/// Annotations are held back a row group at a time and written ordered by key, nulls first: no
/// row lost or added, each row group ordered, and rows of one key in the order they came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotation_row_groups_are_ordered_by_key() {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::Int32Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let json = fixture("task_completed_multithread.json");
    let opts = EncodeOptions {
        clustered_row_group_rows: 5,
        ..EncodeOptions::default()
    };
    let mut run = Dataset::begin_run(&root, opts).await.unwrap();
    let mut written = Vec::new();
    for b in batches(&json) {
        let (_, ann) = b.iter().find(|(t, _)| *t == Table::Annotations).unwrap();
        written.extend(key_and_seq(ann));
        run.write(b).await.unwrap();
    }
    run.commit().await.unwrap();
    assert_eq!(written.len(), 22);

    let mut stored = Vec::new();
    let mut groups = 0;
    for file in std::fs::read_dir(root.join("annotations")).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|x| x != "parquet") {
            continue;
        }
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap();
        for g in 0..builder.metadata().num_row_groups() {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
                    .unwrap()
                    .with_row_groups(vec![g])
                    .build()
                    .unwrap();
            let rows: Vec<_> = reader.flat_map(|b| key_and_seq(&b.unwrap())).collect();
            assert!(rows.len() <= 5, "{} rows in a row group", rows.len());
            assert!(
                rows.windows(2).all(|w| w[0].0 <= w[1].0),
                "row group {g} not ordered by key: {rows:?}"
            );
            stored.extend(rows);
            groups += 1;
        }
    }
    assert_eq!(groups, 5, "22 rows in groups of at most 5");
    // Rows of one key keep the order they came in.
    let of_key = |rows: &[(Option<String>, i32)], k: &Option<String>| -> Vec<i32> {
        rows.iter()
            .filter(|(rk, _)| rk == k)
            .map(|(_, s)| *s)
            .collect()
    };
    let mut a = stored.clone();
    let mut b = written.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same rows");
    for (k, _) in &written {
        assert_eq!(of_key(&stored, k), of_key(&written, k), "key {k:?}");
    }

    fn key_and_seq(b: &arrow::record_batch::RecordBatch) -> Vec<(Option<String>, i32)> {
        let keys = b.column_by_name("key").unwrap().as_string::<i32>();
        let seq = b
            .column_by_name("annotation_seq")
            .unwrap()
            .as_primitive::<Int32Type>();
        (0..b.num_rows())
            .map(|i| {
                (
                    keys.is_valid(i).then(|| keys.value(i).to_owned()),
                    seq.value(i),
                )
            })
            .collect()
    }
}

/// In annotations, ordered by key, the plain text columns are cut into pages of about
/// `clustered_text_page_bytes`, so a key's rows share a page with only a little of a
/// neighbouring key's long texts; other columns are not cut by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotation_text_columns_get_small_pages() {
    use parquet::column::page::Page;
    use parquet::file::reader::FileReader;

    /// Data page sizes of each column named in the first annotations row group, under `opts`.
    async fn data_pages(opts: EncodeOptions, names: &[&str]) -> Vec<Vec<usize>> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ds");
        ingest_with(&root, opts, &fixture("task_completed_multithread.json")).await;
        let reader = parquet_file(&root.join("annotations"));
        let group = reader.get_row_group(0).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let sizes = |name: &&str| {
            let i = (0..schema.num_columns())
                .find(|&i| schema.column(i).path().string() == *name)
                .unwrap();
            let mut pages = group.get_column_page_reader(i).unwrap();
            let mut sizes = Vec::new();
            while let Some(page) = pages.get_next_page().unwrap() {
                if let Page::DataPage { buf, .. } | Page::DataPageV2 { buf, .. } = page {
                    sizes.push(buf.len());
                }
            }
            sizes
        };
        names.iter().map(sizes).collect()
    }

    let text = ["value", "value_json", "title", "description", "metadata"];
    let other = [
        "key",
        "task_id",
        "annotation_seq",
        "value_num",
        "labels.list.element",
    ];
    let small = EncodeOptions {
        clustered_text_page_bytes: 32,
        ..EncodeOptions::default()
    };
    // One ingest per setting, the text columns listed first.
    let names: Vec<&str> = text.iter().chain(&other).copied().collect();
    let mut default = data_pages(EncodeOptions::default(), &names).await;
    let mut small = data_pages(small, &names).await;
    let (other_default, other_small) = (default.split_off(text.len()), small.split_off(text.len()));
    for ((name, default), small) in text.iter().zip(default).zip(small) {
        assert_eq!(default.len(), 1, "{name}: {default:?}");
        assert!(small.len() > 1, "{name}: {small:?}");
    }
    assert_eq!(other_small, other_default);
}
