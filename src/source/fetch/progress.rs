//! The fetch progress bar: resources fetched, rate and ETA on stderr, drawn only when the
//! CLI enabled it (interactive stderr, human format, neither -q nor -v).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that does nothing when disabled, so the fetch code never branches on it.
#[derive(Clone, Default)]
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new(enabled: bool) -> Self {
        if !enabled {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} {bar:30} {human_pos}/{human_len} resources, {per_sec}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix("fetching");
        Bar(Some(bar))
    }

    pub fn add_total(&self, n: usize) {
        if let Some(b) = &self.0 {
            b.inc_length(n as u64);
        }
    }

    pub fn inc(&self, n: usize) {
        if let Some(b) = &self.0 {
            b.inc(n as u64);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
