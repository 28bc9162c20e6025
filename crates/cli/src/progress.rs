//! Progress on a terminal: drawn on stderr only when stderr is a terminal, so pipes, logs and
//! cron mail stay clean.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use taskq_client::Client;

pub(crate) struct FetchProgress {
    bar: ProgressBar,
    client: Client,
}

fn visible() -> bool {
    std::io::stderr().is_terminal()
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Turns the spinner into a bar with an ETA once the total (non-zero) is known.
fn set_total(bar: &ProgressBar, total: u64, template: &str) {
    if total > 0 && bar.length() != Some(total) {
        bar.set_length(total);
        bar.set_style(style(template));
    }
}

/// An ingest's bytes read (of `total`, when known, with an ETA) and tasks per second, redrawn
/// from its counters until dropped.
pub(crate) struct IngestProgress {
    bar: ProgressBar,
    done: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl IngestProgress {
    pub(crate) fn start(counters: Arc<taskq_ingest::IngestCounters>) -> IngestProgress {
        let done = Arc::new(AtomicBool::new(false));
        if !visible() {
            return IngestProgress {
                bar: ProgressBar::hidden(),
                done,
                ticker: None,
            };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(style(
            "{spinner} {elapsed_precise} {bytes} ({bytes_per_sec}) {msg}",
        ));
        let (b, d) = (bar.clone(), done.clone());
        let ticker = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while !d.load(Ordering::Relaxed) {
                let tasks = counters.tasks.load(Ordering::Relaxed);
                set_total(
                    &b,
                    counters.total.load(Ordering::Relaxed),
                    "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta}) {msg}",
                );
                b.set_position(counters.bytes.load(Ordering::Relaxed));
                let rate = tasks as f64 / started.elapsed().as_secs_f64().max(0.001);
                b.set_message(format!("{tasks} tasks, {rate:.0} tasks/s"));
                std::thread::sleep(Duration::from_millis(150));
            }
        });
        IngestProgress {
            bar,
            done,
            ticker: Some(ticker),
        }
    }
}

impl Drop for IngestProgress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl FetchProgress {
    /// Pages, tasks, bytes and retries of `client`; a bar with an ETA once the total is known.
    pub(crate) fn fetch(client: &Client) -> FetchProgress {
        let bar = if visible() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(style("{spinner} {elapsed_precise} {msg}"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        FetchProgress {
            bar,
            client: client.clone(),
        }
    }

    /// Call after each page is kept; `total` is the number of tasks expected, when known.
    pub(crate) fn page(&self, total: Option<u64>) {
        if self.bar.is_hidden() {
            return;
        }
        let stats = self.client.stats();
        let tasks = stats.tasks.load(Ordering::Relaxed);
        set_total(
            &self.bar,
            total.unwrap_or(0),
            "{elapsed_precise} [{bar:30}] {pos}/{len} tasks, ETA {eta} {msg}",
        );
        self.bar.set_position(tasks);
        self.bar.set_message(format!(
            "{} pages, {tasks} tasks, {}, {} retries",
            stats.pages.load(Ordering::Relaxed),
            HumanBytes(stats.bytes.load(Ordering::Relaxed)),
            stats.retries.load(Ordering::Relaxed),
        ));
    }
}

/// Cleared however the fetch ends, an error included.
impl Drop for FetchProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
