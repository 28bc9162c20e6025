//! `fetch`, `sync` and `deliveries`: flags mapped onto taskq-client and the pull loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field};
use chrono::{DateTime, Utc};
use taskq_client::{
    ApiKey, Client, ClientOptions, DEFAULT_OPTS, DeliveriesQuery, DeliveryRef, Scope, SyncState,
    TaskQuery,
};
use taskq_ingest::IngestOptions;
use taskq_query::Format;

use crate::pull::{PullOptions, PullReport, Source, pull, state_key};
use crate::{DatasetArg, Outcome, dataset, report};

/// Where the API is and how hard to try.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ApiArgs {
    /// Read the API key from this file [default: the SCALE_API_KEY environment variable]
    #[arg(long, value_name = "FILE")]
    api_key_file: Option<PathBuf>,
    /// The API host
    #[arg(long, default_value = "https://api.scale.com", value_name = "URL")]
    base_url: String,
    /// Seconds one attempt may take, from request to last byte
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    timeout: f64,
    /// Attempts per request (408, 429, 5xx, timeouts, broken or malformed bodies are retried)
    #[arg(long, default_value_t = 8, value_name = "N")]
    max_attempts: u32,
    /// Seconds one request may spend on retries in all
    #[arg(long, default_value_t = 600.0, value_name = "SECS")]
    retry_budget: f64,
    /// First retry delay; it doubles on each retry, with jitter, up to 60 s
    #[arg(long, default_value_t = 500, value_name = "MS")]
    backoff_ms: u64,
    /// Requests per second at most, over all sources together
    #[arg(long, value_name = "N")]
    max_rps: Option<f64>,
    /// Sources (projects, batches, deliveries) fetched at the same time
    #[arg(long, default_value_t = 4, value_name = "N")]
    concurrency: usize,
}

/// Which projects and batches.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ScopeArgs {
    /// A project by name (repeatable)
    #[arg(long, value_name = "NAME")]
    project: Vec<String>,
    /// A project by id (repeatable)
    #[arg(long, value_name = "ID")]
    project_id: Vec<String>,
    /// A batch by name (repeatable)
    #[arg(long, value_name = "NAME")]
    batch: Vec<String>,
    /// A batch by id (repeatable)
    #[arg(long, value_name = "ID")]
    batch_id: Vec<String>,
}

impl ScopeArgs {
    fn scopes(&self) -> Vec<Scope> {
        let mut out: Vec<Scope> = self
            .project
            .iter()
            .cloned()
            .map(Scope::ProjectName)
            .collect();
        out.extend(self.project_id.iter().cloned().map(Scope::ProjectId));
        out.extend(self.batch.iter().cloned().map(Scope::BatchName));
        out.extend(self.batch_id.iter().cloned().map(Scope::BatchId));
        out
    }
}

/// How pages are asked for and kept.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct PageArgs {
    /// Tasks per page, 1 to 100 (not a cap on tasks) [default: the server's, 100]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    limit: Option<u32>,
    /// Expand ids into objects: project, batch, delivery (repeatable)
    #[arg(long, value_name = "WHAT")]
    expand: Vec<String>,
    /// Optional task properties to ask for (repeatable) [default: annotation_details,
    /// attachment_details, model_parameters, submissions]
    #[arg(long, value_name = "OPT")]
    opts: Vec<String>,
    /// Also keep every page as it came, zstd-compressed, in this folder: `taskq ingest DIR`
    /// replays them. Raw pages hold what the API sent, workspace tokens included.
    #[arg(long, value_name = "DIR")]
    save_raw: Option<PathBuf>,
}

impl PageArgs {
    fn opts(&self) -> Vec<String> {
        if self.opts.is_empty() {
            DEFAULT_OPTS.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.opts.clone()
        }
    }

    fn query(&self, scope: Scope) -> TaskQuery {
        let mut q = TaskQuery::new(scope);
        q.limit = self.limit;
        q.expand = self.expand.clone();
        q.opts = self.opts();
        q
    }
}

#[derive(clap::Args, Debug)]
pub(crate) struct FetchArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Only tasks in this status: pending, completed, canceled, error...
    #[arg(long)]
    status: Option<String>,
    /// Only tasks completed at or after this instant (RFC 3339)
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    completed_after: Option<DateTime<Utc>>,
    /// Only tasks completed before this instant (RFC 3339)
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    completed_before: Option<DateTime<Utc>>,
    /// One task by id (repeatable)
    #[arg(long, value_name = "ID")]
    task_id: Vec<String>,
    /// The tasks of a delivery, by name; needs one --project or --project-id, which then only
    /// names the delivery's project (repeatable)
    #[arg(long, value_name = "NAME")]
    delivery: Vec<String>,
    /// The tasks of a delivery, by id (repeatable)
    #[arg(long, value_name = "ID")]
    delivery_id: Vec<String>,
    #[command(flatten)]
    pull: PullArgs,
}

#[derive(clap::Args, Debug)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// How far before the last sync's start each run looks again, for tasks indexed late:
    /// 90s, 30m, 1h, 2d
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    overlap: chrono::Duration,
    /// Also refetch every pending task (a completed_at window cannot see tasks not completed yet)
    #[arg(long)]
    include_pending: bool,
    /// Commit (with the sync's checkpoint) after this many pages
    #[arg(long, default_value_t = 20, value_name = "N")]
    checkpoint_pages: u64,
    #[command(flatten)]
    pull: PullArgs,
}

/// What `fetch` and `sync` share: how pages are asked for, the API, the dataset.
#[derive(clap::Args, Debug)]
pub(crate) struct PullArgs {
    #[command(flatten)]
    page: PageArgs,
    #[command(flatten)]
    api: ApiArgs,
    #[command(flatten)]
    dataset: DatasetArg,
}

impl PullArgs {
    fn options(&self, checkpoint_pages: Option<u64>) -> Result<PullOptions> {
        Ok(PullOptions {
            ingest: IngestOptions::new(dataset::for_writing(self.dataset.dataset.clone())?),
            concurrency: self.api.concurrency.max(1),
            save_raw: self.page.save_raw.clone(),
            checkpoint_pages,
        })
    }
}

#[derive(clap::Args, Debug)]
pub(crate) struct DeliveriesArgs {
    /// The project, by name
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "project_id",
        required_unless_present = "project_id"
    )]
    project: Option<String>,
    /// The project, by id
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,
    /// Only deliveries made at or after this instant (RFC 3339)
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    delivered_after: Option<DateTime<Utc>>,
    /// Only deliveries made before this instant (RFC 3339)
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    delivered_before: Option<DateTime<Utc>>,
    /// The output format
    #[arg(long, default_value = "table", value_parser = clap::builder::PossibleValuesParser::new(Format::names()))]
    format: String,
    #[command(flatten)]
    api: ApiArgs,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time such as 2026-01-31T00:00:00Z: {e}"))
}

fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit, such as 90s, 30m, 1h, 2d"))?;
    match unit {
        "" | "s" => Ok(chrono::Duration::seconds(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        _ => Err(format!("{s:?}: the unit must be s, m, h or d")),
    }
}

fn client(args: &ApiArgs) -> Result<Client> {
    let key = match &args.api_key_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading the API key file {}", path.display()))?,
        None => std::env::var("SCALE_API_KEY")
            .ok()
            .context("no API key: set SCALE_API_KEY, or pass --api-key-file FILE")?,
    };
    let mut o = ClientOptions::new(ApiKey::new(&key));
    o.base_url = args.base_url.clone();
    o.timeout = Duration::try_from_secs_f64(args.timeout).context("--timeout")?;
    o.max_attempts = args.max_attempts.max(1);
    o.retry_budget = Duration::try_from_secs_f64(args.retry_budget).context("--retry-budget")?;
    o.backoff_initial = Duration::from_millis(args.backoff_ms);
    o.max_rps = args.max_rps;
    Ok(Client::new(o)?)
}

pub(crate) async fn fetch(args: FetchArgs) -> Result<Outcome> {
    let client = client(&args.pull.api)?;
    let page = &args.pull.page;
    let mut sources = Vec::new();
    let scopes = args.scope.scopes();
    let delivery_project = if args.delivery.is_empty() {
        None
    } else {
        match scopes.as_slice() {
            [p @ (Scope::ProjectName(_) | Scope::ProjectId(_))] => Some(p.clone()),
            _ => bail!(
                "--delivery NAME needs exactly one --project or --project-id (use --delivery-id to name deliveries of several projects)"
            ),
        }
    };
    if delivery_project.is_none() {
        for scope in scopes {
            let mut q = page.query(scope);
            q.status = args.status.clone();
            q.completed_after = args.completed_after;
            q.completed_before = args.completed_before;
            sources.push(Source::Tasks(q));
        }
    }
    let deliveries = args
        .delivery
        .iter()
        .filter_map(|name| {
            Some(DeliveryRef::Name {
                name: name.clone(),
                project: delivery_project.clone()?,
            })
        })
        .chain(args.delivery_id.iter().cloned().map(DeliveryRef::Id));
    for delivery in deliveries {
        sources.push(Source::Delivery {
            delivery,
            limit: page.limit,
            expand: page.expand.clone(),
            opts: page.opts(),
        });
    }
    for id in &args.task_id {
        sources.push(Source::Task {
            id: id.clone(),
            expand: page.expand.clone(),
            opts: page.opts(),
        });
    }
    if sources.is_empty() {
        bail!(
            "nothing to fetch: name a --project, --project-id, --batch, --batch-id, --delivery, --delivery-id or --task-id"
        );
    }
    let opts = args.pull.options(None)?;
    let done = pull(&client, sources, &opts).await?;
    finish(&done, &opts)
}

pub(crate) async fn sync(args: SyncArgs) -> Result<Outcome> {
    let client = client(&args.pull.api)?;
    let page = &args.pull.page;
    let scopes = args.scope.scopes();
    if scopes.is_empty() {
        bail!("nothing to sync: name a --project, --project-id, --batch or --batch-id");
    }
    let opts = args.pull.options(Some(args.checkpoint_pages.max(1)))?;
    let saved = dataset::sync_states(&opts.ingest.dataset)?;
    let now = Utc::now();
    let mut sources = Vec::new();
    for scope in &scopes {
        let state: SyncState = match saved.get(&state_key(scope)) {
            Some(v) => serde_json::from_value(v.clone())
                .with_context(|| format!("the saved sync state of {}", scope.key()))?,
            None => SyncState::default(),
        };
        sources.push(Source::Sync {
            base: page.query(scope.clone()),
            state,
            now,
            overlap: args.overlap,
        });
        if args.include_pending {
            let mut q = page.query(scope.clone());
            q.status = Some("pending".into());
            sources.push(Source::Tasks(q));
        }
    }
    let done = pull(&client, sources, &opts).await?;
    let outcome = finish(&done, &opts)?;
    for scope in &scopes {
        let key = state_key(scope);
        let state = done.sync_states.iter().find(|(k, _)| *k == key);
        if let Some(w) = state.and_then(|(_, s)| s.watermark) {
            println!(
                "sync {}: complete up to {}",
                scope.key(),
                w.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
        }
    }
    Ok(outcome)
}

fn finish(done: &PullReport, opts: &PullOptions) -> Result<Outcome> {
    let out = &mut std::io::stdout().lock();
    use std::io::Write;
    writeln!(
        out,
        "fetched {} pages, {} tasks, {:.1} MB in {:.1} s ({} retries)",
        done.pages,
        done.ingest.tasks_read,
        done.bytes as f64 / 1e6,
        done.seconds,
        done.retries
    )?;
    report::ingest(&done.ingest, &opts.ingest.dataset, out)?;
    report::warnings(&done.ingest.warnings);
    Ok(Outcome::of_ingest(&done.ingest))
}

pub(crate) async fn deliveries(args: DeliveriesArgs) -> Result<Outcome> {
    let client = client(&args.api)?;
    let project = match (args.project, args.project_id) {
        (Some(name), _) => Scope::ProjectName(name),
        (None, Some(id)) => Scope::ProjectId(id),
        (None, None) => bail!("name the project with --project or --project-id"),
    };
    let list = client
        .deliveries(&DeliveriesQuery {
            project,
            delivered_after: args.delivered_after,
            delivered_before: args.delivered_before,
            expand_project: true,
        })
        .await?;
    let fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("task_count", DataType::Int64, true),
        Field::new("delivered_at", DataType::Utf8, true),
        Field::new("project", DataType::Utf8, true),
    ];
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            list.iter().map(|d| d.id.as_str()),
        )),
        Arc::new(StringArray::from_iter(
            list.iter().map(|d| d.name.as_deref()),
        )),
        Arc::new(Int64Array::from_iter(list.iter().map(|d| d.task_count))),
        Arc::new(StringArray::from_iter(
            list.iter().map(|d| d.delivered_at.as_deref()),
        )),
        Arc::new(StringArray::from_iter(
            list.iter().map(|d| d.project_label()),
        )),
    ];
    let format = Format::from_name(&args.format).context("unknown format")?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    report::rows(fields, columns, format, &mut out)?;
    Ok(Outcome::Done)
}
