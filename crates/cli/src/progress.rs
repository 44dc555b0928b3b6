//! Progress bars for long runs (indicatif), hidden when stderr is not a terminal.

use immohub_domain::ErpEntity;
use immohub_engine::Progress;
use immohub_store::Counts;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;

pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
    quiet: bool,
}

impl Bars {
    pub fn new(quiet: bool) -> Self {
        Self {
            current: Mutex::new(None),
            quiet,
        }
    }
}

impl Progress for Bars {
    fn entity_started(&self, entity: ErpEntity, incremental: bool) {
        if self.quiet {
            return;
        }
        let pb = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {prefix:<22} {human_pos:>10} Datensätze  {per_sec:>14}  {elapsed}",
        ) {
            pb.set_style(style);
        }
        let mode = if incremental { " (geändert)" } else { "" };
        pb.set_prefix(format!("{}{mode}", entity.label_de()));
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        if let Ok(mut g) = self.current.lock() {
            *g = Some(pb);
        }
    }

    fn rows_read(&self, n: u64) {
        if let Ok(g) = self.current.lock()
            && let Some(pb) = g.as_ref()
        {
            pb.inc(n);
        }
    }

    fn entity_done(&self, _entity: ErpEntity, counts: &Counts) {
        if let Ok(mut g) = self.current.lock()
            && let Some(pb) = g.take()
        {
            pb.finish_with_message(format!(
                "{} gesendet, {} übersprungen, {} Fehler, {} gelöscht",
                counts.sent, counts.skipped, counts.failed, counts.deleted
            ));
        }
    }
}
