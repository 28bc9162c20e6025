//! `taskq`: the command line. The only crate that wires the others together.

mod api;
mod dataset;
mod html_report;
mod progress;
mod pull;
mod report;
mod shell;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use taskq_ingest::{IngestOptions, Input};
use taskq_query::{Format, Output, Params, QueryError, Session, TableOptions};

// Flatten threads allocate what the writer frees. Under that pattern jemalloc measured faster
// than glibc malloc and mimalloc, and with a lower peak than glibc on a 4 GB input. It serves
// C code's `malloc` too (the crate feature `unprefixed_malloc_on_supported_platforms`): zstd
// makes a context per Parquet column chunk, and glibc handed each one fresh pages from the
// kernel. Its build-time settings are in `.cargo/config.toml`.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser, Debug)]
#[command(
    name = "taskq",
    version,
    about = "Annotation analytics over Scale GenAI task data: flatten task JSON into tables, query them with SQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub(crate) struct DatasetArg {
    /// The dataset folder [default: ./taskq-data]
    #[arg(long, env = "TASKQ_DATASET", global = true)]
    pub(crate) dataset: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read task JSON (files, folders, `-` for stdin; JSONL, arrays, API envelopes; gzip/zstd)
    /// into the dataset. Exit code 0: all ingested; 2: committed, but some records quarantined;
    /// 1: failed, nothing committed.
    Ingest {
        /// Files and folders to read, or `-` for standard input. A folder is read whole, each
        /// file by its content whatever its name; files that hold no task JSON are named and
        /// passed over.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        #[command(flatten)]
        dataset: DatasetArg,
    },
    /// Run a SQL query over the dataset's tables (the built-in sample when there is no dataset).
    /// With no query on a terminal, an interactive shell starts.
    Sql {
        /// The SQL text, or `-` to read it from standard input. Statements separated by `;` run
        /// in order and the last one's rows are printed; the ones before it may set options
        /// (`SET datafusion.…`) or make views (`CREATE VIEW`). Left out: the interactive shell
        /// on a terminal, else the SQL is read from standard input.
        #[arg(conflicts_with = "file")]
        query: Option<String>,
        /// Read the SQL from this file (such as one of queries/*.sql), or `-` for standard input
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        dataset: DatasetArg,
    },
    /// Run one of the named queries compiled into taskq (label distributions, leaderboards,
    /// agreement, drift, ...): `taskq query --list` shows them with their parameters.
    Query {
        /// The query's name [default: list them]
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// List the named queries with their parameters and defaults
        #[arg(long, conflicts_with = "name")]
        list: bool,
        /// A parameter's value, `NAME=VALUE` (repeat for more); the others take their defaults
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = param)]
        params: Vec<(String, String)>,
        /// Print the query's SQL instead of running it
        #[arg(long, conflicts_with = "list")]
        show: bool,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        dataset: DatasetArg,
    },
    /// Write one self-contained HTML page of charts: labels per key by model, the leaderboard
    /// with intervals, win rates, score by temperature, agreement per key, tasks per day. Each
    /// chart is a named query, captioned with the command that gives its rows; the page loads
    /// nothing, so it opens offline and can be mailed on.
    Report {
        /// Where to write the page
        #[arg(long, short, default_value = "report.html", value_name = "FILE")]
        out: PathBuf,
        /// Only this project's tasks (its project_id)
        #[arg(long, value_name = "ID")]
        project: Option<String>,
        /// Only tasks completed on or after this day, YYYY-MM-DD (UTC)
        #[arg(long, value_name = "DATE", value_parser = day)]
        since: Option<chrono::NaiveDate>,
        #[command(flatten)]
        dataset: DatasetArg,
    },
    /// List the dataset's tables with their row counts.
    Tables {
        /// The output format
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "ndjson"])]
        format: String,
        #[command(flatten)]
        dataset: DatasetArg,
    },
    /// Print the columns of every table and view, or of one: type, whether it may be null, and
    /// meaning (the reference in docs/schema.md).
    Schema {
        /// One table or view, such as `annotations` or `comparisons` [default: every one]
        #[arg(value_name = "TABLE")]
        table: Option<String>,
    },
    /// List taskq's own SQL functions (leaderboards, agreement, intervals, drift), or show one:
    /// its arguments and an example (docs/functions.md).
    Functions {
        /// One function, such as `bradley_terry` [default: a line for each]
        #[arg(value_name = "NAME")]
        name: Option<String>,
    },
    /// Download tasks from the Scale v2 API into the dataset: projects, batches, deliveries or
    /// single tasks. Pages stream into one run, committed at the end. Exit codes as for ingest.
    Fetch(api::FetchArgs),
    /// Bring the dataset up to date with projects or batches: fetches the tasks completed since
    /// the last sync (less --overlap), resumes a killed sync where it stopped, and replaces
    /// earlier versions of tasks it fetches again. Suited to cron.
    Sync(api::SyncArgs),
    /// List a project's deliveries (GET /v2/deliveries).
    Deliveries(api::DeliveriesArgs),
    /// Print a shell's completion script for taskq: `taskq completions bash >
    /// ~/.local/share/bash-completion/completions/taskq`, `taskq completions zsh >
    /// ~/.zfunc/_taskq`, `taskq completions fish > ~/.config/fish/completions/taskq.fish`.
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Generate synthetic tasks as JSON lines (zstd-compressed when --out ends in .zst).
    Gen {
        /// How many tasks (about 7.7 KB each)
        #[arg(long, default_value_t = 300, value_name = "N")]
        tasks: usize,
        /// The random seed: the same seed and count always give the same bytes (the built-in
        /// sample is `--tasks 300 --seed 7`)
        #[arg(long, default_value_t = 7, value_name = "N")]
        seed: u64,
        /// Write to this file instead of standard output; zstd-compressed when it ends in .zst
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// What the corpus is like: `mixed` (every annotation type at every scope, 12 models,
        /// long answers; the sample's) or `scores` (eight more 1-7 score keys on every answer,
        /// 30 models with long names, short texts)
        #[arg(long, default_value = "mixed", value_parser = clap::builder::PossibleValuesParser::new(taskq_gen::Shape::NAMES))]
        shape: String,
    },
}

/// Where and how a query's rows are written.
#[derive(Args, Debug)]
struct OutputArgs {
    /// The output format [default: from the --output file's extension (.csv, .json,
    /// .ndjson or .jsonl, .parquet), else table]
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Format::names()))]
    format: Option<String>,
    /// Write to this file instead of standard output
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Table format: rows shown at most, the first and the last half, with the total
    /// below; 0 shows every row
    #[arg(long, default_value_t = TableOptions::default().max_rows, value_name = "N")]
    max_rows: usize,
}

impl OutputArgs {
    fn output(&self) -> Result<Output> {
        let format = match (&self.format, &self.output) {
            (Some(name), _) => Format::from_name(name).context("unknown format")?,
            (None, Some(path)) => Format::from_path(path).unwrap_or(Format::Table),
            (None, None) => Format::Table,
        };
        // On a terminal, a table's cells are cut to fit its width.
        let to_terminal =
            self.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout());
        if to_terminal && format == Format::Parquet {
            bail!("Parquet is binary: name a file with --output, or redirect standard output");
        }
        let table = TableOptions {
            max_rows: self.max_rows,
            max_width: to_terminal
                .then(|| console::Term::stdout().size_checked())
                .flatten()
                .map(|(_, columns)| usize::from(columns)),
        };
        Ok(Output { format, table })
    }

    /// Runs `sql` with its parameters and writes its rows as they come. A query that fails
    /// part way leaves no half file.
    async fn write(
        &self,
        session: &Session,
        sql: &str,
        params: &Params,
        output: &Output,
    ) -> Result<()> {
        match &self.output {
            Some(path) => {
                let f = std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("{}", path.display()))?,
                );
                if let Err(e) = session.sql_with_params_to(sql, params, output, f).await {
                    let _ = std::fs::remove_file(path);
                    return Err(e.into());
                }
            }
            None => {
                let out = std::io::BufWriter::new(std::io::stdout());
                session.sql_with_params_to(sql, params, output, out).await?;
            }
        }
        Ok(())
    }
}

/// `NAME=VALUE`.
fn param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

/// `YYYY-MM-DD`.
fn day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("`{s}` is not a day as YYYY-MM-DD: {e}"))
}

/// How a command that did not fail ended. `main` alone turns it into the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything done: exit 0.
    Done,
    /// Committed, but some records were quarantined: exit 2.
    Quarantined,
}

impl Outcome {
    /// How an ingest (or a fetch, or a sync) ended.
    pub(crate) fn of_ingest(r: &taskq_ingest::IngestReport) -> Outcome {
        if r.quarantined > 0 {
            Outcome::Quarantined
        } else {
            Outcome::Done
        }
    }
}

/// A command stopped by SIGINT (Ctrl-C) or SIGTERM before it committed its run. Dropping the
/// run removes what it wrote and releases the lock; `main` says so and exits 130.
/// It says what was not committed.
#[derive(Debug)]
struct Interrupted(&'static str);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupted: {}", self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Runs `work` until it ends or the process is asked to stop (SIGINT, SIGTERM); a stop drops
/// `work`, and with it any run in progress.
async fn until_interrupted<T>(
    lost: &'static str,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        done = work => done,
        _ = int.recv() => Err(Interrupted(lost).into()),
        _ = term.recv() => Err(Interrupted(lost).into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("taskq: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Quarantined) => ExitCode::from(2),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.is::<Interrupted>() => {
            eprintln!("taskq: {e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("taskq: error: {}", report(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, joined by `: `, each cause only where the text before it does not
/// already say it: DataFusion's and arrow's messages carry their causes' text, so printing the
/// whole chain repeated a SQL error's list of valid fields up to four times.
fn report(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let said = cause.to_string();
        if text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

/// The SQL `taskq sql` runs: the query given, `-` or a file of it, or standard input when it
/// is not a terminal. `None`: none given on a terminal, where the shell starts (unless the
/// rows were to go to an `--output` file).
fn sql_text(query: Option<String>, file: Option<PathBuf>, to_file: bool) -> Result<Option<String>> {
    let stdin_is_terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    Ok(match (query, file) {
        (Some(q), _) if q == "-" => Some(read_stdin()?),
        (Some(q), _) => Some(q),
        (None, Some(f)) if f.as_os_str() == "-" => Some(read_stdin()?),
        (None, Some(f)) => {
            Some(std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?)
        }
        (None, None) if stdin_is_terminal && to_file => {
            bail!("give the query, or --file FILE, to write to --output")
        }
        (None, None) if stdin_is_terminal => None,
        (None, None) => Some(read_stdin()?),
    })
}

/// SQL from standard input, which must hold some.
fn read_stdin() -> Result<String> {
    let mut sql = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut sql)
        .context("reading the SQL from standard input")?;
    if sql.trim().is_empty() {
        bail!("no SQL on standard input: give the query, --file FILE, or pipe the SQL in");
    }
    Ok(sql)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<QueryError>()
                .is_some_and(QueryError::is_broken_pipe)
    })
}

async fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Ingest { paths, dataset } => {
            let root = dataset::for_writing(dataset.dataset)?;
            let inputs: Vec<Input> = paths
                .iter()
                .map(|p| {
                    if p == "-" {
                        Input::Stdin
                    } else {
                        Input::Path(p.into())
                    }
                })
                .collect();
            let opts = IngestOptions::new(root.clone());
            let report = {
                let _progress = progress::IngestProgress::start(opts.counters.clone());
                let work = async { Ok(taskq_ingest::ingest(&inputs, &opts).await?) };
                until_interrupted("nothing committed", work).await?
            };
            report::ingest(&report, &root, &mut std::io::stdout().lock())?;
            report::warnings(&report.warnings);
            Ok(Outcome::of_ingest(&report))
        }
        Command::Sql {
            query,
            file,
            output,
            dataset,
        } => {
            let out = output.output()?;
            let query = sql_text(query, file, output.output.is_some())?;
            let ds = dataset::for_reading(dataset.dataset).await?;
            let session = Session::open(ds.dataset().clone());
            let Some(query) = query else {
                let shell = shell::Shell {
                    session,
                    dataset: ds.dataset().clone(),
                    output: out,
                    history: std::env::var_os("HOME")
                        .map(|home| PathBuf::from(home).join(".taskq_history")),
                };
                shell.run().await?;
                return Ok(Outcome::Done);
            };
            output
                .write(&session, &query, &Params::none(), &out)
                .await?;
            Ok(Outcome::Done)
        }
        Command::Query {
            name,
            list,
            params,
            show,
            output,
            dataset,
        } => {
            let Some(name) = name.filter(|_| !list) else {
                report::named_queries(
                    &taskq_query::named_queries(),
                    &mut std::io::stdout().lock(),
                )?;
                return Ok(Outcome::Done);
            };
            let query = taskq_query::named_query(&name)?;
            let values = query.bind(&params)?;
            if show {
                print!("{}", query.sql);
                return Ok(Outcome::Done);
            }
            let out = output.output()?;
            let ds = dataset::for_reading(dataset.dataset).await?;
            let session = Session::open(ds.dataset().clone());
            output.write(&session, query.sql, &values, &out).await?;
            Ok(Outcome::Done)
        }
        Command::Report {
            out,
            project,
            since,
            dataset,
        } => {
            let ds = dataset::for_reading(dataset.dataset).await?;
            let session = Session::open(ds.dataset().clone());
            let args = html_report::ReportArgs {
                out,
                project,
                since,
                dataset: ds.describe(),
            };
            let work = html_report::write(&session, &args);
            until_interrupted("no report written", work).await?;
            eprintln!("taskq: wrote {}", args.out.display());
            Ok(Outcome::Done)
        }
        Command::Tables { format, dataset } => {
            let ds = dataset::for_reading(dataset.dataset).await?;
            if !ds.dataset().has_completed_run() {
                eprintln!(
                    "taskq: note: no run has completed in {} yet (an earlier one did not \
                     finish): every table is empty",
                    ds.dataset().root().display()
                );
            }
            let counts = ds.dataset().row_counts().await?;
            let format = Format::from_name(&format).context("unknown format")?;
            report::tables(
                &counts,
                format,
                &mut std::io::BufWriter::new(std::io::stdout()),
            )?;
            Ok(Outcome::Done)
        }
        Command::Schema { table } => {
            report::schema(table.as_deref(), &mut std::io::stdout().lock())?;
            Ok(Outcome::Done)
        }
        Command::Functions { name } => {
            let all = taskq_query::functions();
            let mut out = std::io::stdout().lock();
            match name {
                None => report::functions(&all, &mut out)?,
                Some(name) => {
                    let f = all.iter().find(|f| f.name == name).with_context(|| {
                        let names: Vec<_> = all.iter().map(|f| f.name.as_str()).collect();
                        format!("no function `{name}`; taskq's are: {}", names.join(", "))
                    })?;
                    report::function(f, &mut out)?;
                }
            }
            Ok(Outcome::Done)
        }
        Command::Fetch(args) => until_interrupted("nothing committed", api::fetch(args)).await,
        Command::Sync(args) => {
            let lost = "nothing since the last checkpoint committed (run it again to resume)";
            until_interrupted(lost, api::sync(args)).await
        }
        Command::Deliveries(args) => api::deliveries(args).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "taskq", &mut out);
            out.flush()?;
            Ok(Outcome::Done)
        }
        Command::Gen {
            tasks,
            seed,
            out,
            shape,
        } => {
            let shape = taskq_gen::Shape::from_name(&shape).context("unknown shape")?;
            let opts = taskq_gen::GenOptions { tasks, seed, shape };
            match out {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .with_context(|| format!("{}", path.display()))?;
                    if path.extension().is_some_and(|e| e == "zst") {
                        let mut z = zstd::stream::write::Encoder::new(file, 19)?;
                        taskq_gen::generate(&opts, &mut z)?;
                        z.finish()?;
                    } else {
                        let mut w = std::io::BufWriter::new(file);
                        taskq_gen::generate(&opts, &mut w)?;
                        w.flush()?;
                    }
                }
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    taskq_gen::generate(&opts, &mut w)?;
                    w.flush()?;
                }
            }
            Ok(Outcome::Done)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `--help` says what every argument of every command is for.
    #[test]
    fn every_argument_is_described() {
        let mut missing = Vec::new();
        let cli = super::Cli::command();
        for cmd in cli.get_subcommands() {
            for arg in cmd.get_arguments() {
                if arg.get_help().is_none() && !["help", "version"].contains(&arg.get_id().as_str())
                {
                    missing.push(format!("{} {}", cmd.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
