//! Progress on a terminal: drawn on stderr only when stderr is a terminal, so pipes, logs and
//! cron mail stay clean.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use taskq_client::Client;

pub(crate) struct Progress {
    bar: ProgressBar,
    client: Client,
}

impl Progress {
    /// Pages, tasks, bytes and retries of `client`; a bar with an ETA once the total is known.
    pub(crate) fn fetch(client: &Client) -> Progress {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
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
        if let Some(total) = total
            && self.bar.length() != Some(total)
        {
            self.bar.set_length(total);
            self.bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} tasks, ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        self.bar.set_position(tasks);
        self.bar.set_message(format!(
            "{} pages, {tasks} tasks, {}, {} retries",
            stats.pages.load(Ordering::Relaxed),
            HumanBytes(stats.bytes.load(Ordering::Relaxed)),
            stats.retries.load(Ordering::Relaxed),
        ));
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
