//! `fetch` and `sync`: pages from taskq-client streamed into taskq-ingest runs.
//!
//! Each source (a project, batch, delivery or task) is paged by its own task, up to
//! `concurrency` at a time; pages go through a bounded channel to the one writer, so memory
//! holds a few pages, never the whole result. `fetch` commits once at the end. `sync` commits
//! every `checkpoint_pages` pages, each commit carrying every source's sync state as of the
//! pages it holds, so a killed sync resumes where its last commit left off.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use taskq_client::{Client, ClientError, DeliveryRef, Page, Pager, Scope, SyncState, TaskQuery};
use taskq_ingest::{IngestOptions, IngestReport, Ingester};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::progress::FetchProgress;

/// What one source pages through.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    Tasks(TaskQuery),
    Delivery {
        delivery: DeliveryRef,
        limit: Option<u32>,
        expand: Vec<String>,
        opts: Vec<String>,
    },
    Task {
        id: String,
        expand: Vec<String>,
        opts: Vec<String>,
    },
    /// `sync`: the completed tasks of a scope, window by window, from its saved state.
    Sync {
        /// The scope, page size, expand and opts; the window is filled in per run.
        base: TaskQuery,
        state: SyncState,
        now: DateTime<Utc>,
        overlap: chrono::Duration,
    },
}

impl Source {
    /// How pages of this source are named: in the quarantine, and in saved raw files.
    fn label(&self) -> String {
        match self {
            Source::Tasks(q) => q.scope.key(),
            Source::Delivery {
                delivery: DeliveryRef::Id(id),
                ..
            } => format!("delivery_id={id}"),
            Source::Delivery {
                delivery: DeliveryRef::Name { name, project },
                ..
            } => format!("{}+delivery_name={name}", project.key()),
            Source::Task { id, .. } => format!("task_id={id}"),
            Source::Sync { base, .. } => format!("sync+{}", base.scope.key()),
        }
    }
}

/// Options shared by `fetch` and `sync`.
#[derive(Debug, Clone)]
pub(crate) struct PullOptions {
    pub ingest: IngestOptions,
    pub concurrency: usize,
    pub save_raw: Option<PathBuf>,
    /// `sync` only: commit after this many pages.
    pub checkpoint_pages: Option<u64>,
}

/// A page on its way to the writer, tagged with its source and, for `sync`, the state the
/// source is in once the page is kept.
struct Arrived {
    source: usize,
    page: Page,
    state: Option<SyncState>,
}

/// What a pull did.
pub(crate) struct PullReport {
    pub ingest: IngestReport,
    /// Each sync source's state as committed last, by state key.
    pub sync_states: Vec<(String, SyncState)>,
    pub pages: u64,
    pub bytes: u64,
    pub retries: u64,
    pub seconds: f64,
}

/// Pages every source into the dataset. With `opts.checkpoint_pages`, commits as it goes and
/// keeps each `Source::Sync` state under its key; otherwise everything commits at the end or
/// nothing does.
pub(crate) async fn pull(
    client: &Client,
    sources: Vec<Source>,
    opts: &PullOptions,
) -> Result<PullReport> {
    let started = Instant::now();
    let progress = FetchProgress::fetch(client);
    let raw = match &opts.save_raw {
        Some(dir) => Some(RawPages::new(dir)?),
        None => None,
    };
    let labels: Vec<String> = sources.iter().map(Source::label).collect();
    let keys: Vec<Option<String>> = sources
        .iter()
        .map(|s| match s {
            Source::Sync { base, .. } => Some(state_key(&base.scope)),
            _ => None,
        })
        .collect();

    let (tx, mut rx) = mpsc::channel::<Result<Arrived, ClientError>>(opts.concurrency * 2);
    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut fetchers = JoinSet::new();
    for (i, source) in sources.into_iter().enumerate() {
        let (client, tx, permits) = (client.clone(), tx.clone(), permits.clone());
        fetchers.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            if let Err(e) = page_source(&client, i, source, &tx).await {
                let _ = tx.send(Err(e)).await;
            }
        });
    }
    drop(tx);

    let mut states: Vec<Option<SyncState>> = vec![None; labels.len()];
    // Tasks expected per source, when its pages say (an expanded delivery's task count).
    let mut totals: Vec<Option<u64>> = vec![None; labels.len()];
    let mut ingester = Ingester::begin(&opts.ingest).await?;
    let mut report = IngestReport::default();
    let mut since_commit = 0u64;
    while let Some(arrived) = rx.recv().await {
        // A source that failed for good fails the command; what was committed stays.
        let Arrived {
            source,
            page,
            state,
        } = arrived.with_context(|| format!("fetching {}", labels_for_error(&labels)))?;
        let name = format!("{} page {}", labels[source], page.number);
        if let Some(raw) = &raw {
            raw.save(&labels[source], page.number, &page.body)?;
        }
        ingester.push_page(&name, &page.body).await?;
        totals[source] = totals[source].or(page.total);
        progress.page(totals.iter().copied().sum());
        if state.is_some() {
            states[source] = state;
        }
        since_commit += 1;
        if opts.checkpoint_pages.is_some_and(|n| since_commit >= n) {
            keep_states(&mut ingester, &keys, &states);
            report.absorb(ingester.commit().await?);
            ingester = Ingester::begin(&opts.ingest).await?;
            since_commit = 0;
        }
    }
    while let Some(joined) = fetchers.join_next().await {
        joined.context("a fetch task failed")?;
    }
    keep_states(&mut ingester, &keys, &states);
    report.absorb(ingester.commit().await?);
    drop(progress);
    let stats = client.stats();
    let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
    let sync_states = keys
        .into_iter()
        .zip(states)
        .filter_map(|(k, s)| Some((k?, s?)))
        .collect();
    Ok(PullReport {
        ingest: report,
        sync_states,
        pages: load(&stats.pages),
        bytes: load(&stats.bytes),
        retries: load(&stats.retries),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn labels_for_error(labels: &[String]) -> String {
    if labels.len() == 1 {
        labels[0].clone()
    } else {
        format!("{} sources", labels.len())
    }
}

/// The manifest key a sync of `scope` keeps its state under.
pub(crate) fn state_key(scope: &Scope) -> String {
    format!("sync/{}", scope.key())
}

fn keep_states(ingester: &mut Ingester, keys: &[Option<String>], states: &[Option<SyncState>]) {
    for (key, state) in keys.iter().zip(states) {
        if let (Some(key), Some(state)) = (key, state) {
            ingester.set_state(key, serde_json::to_value(state).ok());
        }
    }
}

type Sender = mpsc::Sender<Result<Arrived, ClientError>>;

async fn send(tx: &Sender, source: usize, page: Page, state: Option<SyncState>) -> bool {
    tx.send(Ok(Arrived {
        source,
        page,
        state,
    }))
    .await
    .is_ok()
}

async fn drain(tx: &Sender, source: usize, mut pager: Pager) -> Result<(), ClientError> {
    while let Some(page) = pager.next().await? {
        if !send(tx, source, page, None).await {
            break;
        }
    }
    Ok(())
}

async fn page_source(
    client: &Client,
    i: usize,
    source: Source,
    tx: &Sender,
) -> Result<(), ClientError> {
    match source {
        Source::Tasks(q) => drain(tx, i, client.tasks(&q)).await,
        Source::Delivery {
            delivery,
            limit,
            expand,
            opts,
        } => drain(tx, i, client.delivery(&delivery, limit, &expand, &opts)?).await,
        Source::Task { id, expand, opts } => {
            let body = client.task(&id, &expand, &opts).await?;
            let page = Page {
                body,
                number: 1,
                tasks: 1,
                next_token: None,
                total: None,
            };
            send(tx, i, page, None).await;
            Ok(())
        }
        Source::Sync {
            base,
            mut state,
            now,
            overlap,
            ..
        } => {
            // A run killed inside a window finishes that window first, then syncs up to now.
            let resumed = state.is_open();
            for _ in 0..if resumed { 2 } else { 1 } {
                let (window, token) = state.plan(now, overlap);
                let mut q = base.clone();
                q.completed_after = window.after;
                q.completed_before = Some(window.before);
                let mut pager = client.tasks(&q).resume_from(token);
                let mut first = true;
                loop {
                    let page = match pager.next().await {
                        Ok(Some(p)) => p,
                        Ok(None) => break,
                        Err(ClientError::TokenRejected { .. }) if first => {
                            // The saved token expired: the window starts over.
                            pager = client.tasks(&q);
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    first = false;
                    state = match &page.next_token {
                        Some(t) => state.checkpoint(window, Some(t.clone())),
                        None => state.finished(window),
                    };
                    if !send(tx, i, page, Some(state.clone())).await {
                        return Ok(());
                    }
                }
            }
            Ok(())
        }
    }
}

/// `--save-raw`: every page as it came, zstd-compressed, named so that a sorted folder walk
/// (`taskq ingest DIR`) replays them in the order they were fetched.
struct RawPages {
    dir: PathBuf,
    prefix: String,
}

impl RawPages {
    fn new(dir: &std::path::Path) -> Result<RawPages> {
        std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
        Ok(RawPages {
            dir: dir.to_owned(),
            prefix: Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string(),
        })
    }

    fn save(&self, label: &str, number: u64, body: &[u8]) -> Result<()> {
        let slug: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self
            .dir
            .join(format!("{}-{slug}-{number:06}.json.zst", self.prefix));
        let bytes = zstd::encode_all(body, 3).with_context(|| path.display().to_string())?;
        std::fs::write(&path, bytes).with_context(|| path.display().to_string())
    }
}
