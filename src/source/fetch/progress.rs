//! The fetch progress display on stderr, drawn only when the CLI enabled it (interactive
//! stderr, human format, neither -q nor -v): one line per resource type, so the users' total
//! never jumps when the groups' arrives. A line shows no bar until its total is known (no
//! full bar at 0/0 on the first frame), its total only ever grows (a server serving more
//! than totalResults stretches it, never shrinks it), the rate is a whole number with
//! thousands separators, and the line fits 80 columns.

use indicatif::{HumanCount, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The display: a container of lines, nothing at all when disabled.
#[derive(Clone, Default)]
pub struct Bar(Option<MultiProgress>);

/// One resource type's line. Does nothing when the display is disabled, so the fetch code
/// never branches on it.
#[derive(Clone, Default)]
pub struct Line(Option<ProgressBar>);

/// `1,494/s`: whole resources per second, never `1494.1342/s`.
fn format_rate(per_sec: f64) -> String {
    let whole = if per_sec.is_finite() {
        per_sec.max(0.0).round() as u64
    } else {
        0
    };
    format!("{}/s", HumanCount(whole))
}

fn rate(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = w.write_str(&format_rate(state.per_sec()));
}

fn counting_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>7} {spinner} {human_pos} resources, {rate}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("rate", rate)
}

/// At most 7 + 1 + 24 + 1 + 21 + 1 + 10 + 5 + 6 = 76 columns for a million resources.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>7} {bar:24} {human_pos}/{human_len} {rate}, ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", rate)
}

impl Bar {
    pub fn new(enabled: bool) -> Self {
        if !enabled {
            return Bar(None);
        }
        Bar(Some(MultiProgress::with_draw_target(
            ProgressDrawTarget::stderr(),
        )))
    }

    /// A new line labelled `name` ("users", "groups").
    pub fn line(&self, name: &str) -> Line {
        let Some(m) = &self.0 else {
            return Line(None);
        };
        let bar = m.add(ProgressBar::no_length());
        bar.set_style(counting_style());
        bar.set_prefix(name.to_string());
        // The spinner turns while the first page is awaited (seconds on a slow server).
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Line(Some(bar))
    }

    pub fn finish(&self) {
        if let Some(m) = &self.0 {
            let _ = m.clear();
        }
    }
}

impl Line {
    /// Sets the total once it is known (from totalResults) and switches to a bar.
    pub fn set_total(&self, n: usize) {
        if let Some(b) = &self.0 {
            let n = (n as u64).max(b.position());
            if n > 0 {
                b.set_length(n);
                b.set_style(bar_style());
            }
        }
    }

    pub fn inc(&self, n: usize) {
        if let Some(b) = &self.0 {
            b.inc(n as u64);
            // More than announced: the total grows with the position, never back.
            if b.length().is_some_and(|len| b.position() > len) {
                b.set_length(b.position());
            }
        }
    }

    /// The listing ended: the line stays, showing what was received.
    pub fn done(&self) {
        if let Some(b) = &self.0 {
            b.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_numbers_with_thousands_separators() {
        assert_eq!(format_rate(1494.1342), "1,494/s");
        assert_eq!(format_rate(0.4), "0/s");
        assert_eq!(format_rate(f64::NAN), "0/s");
        assert_eq!(format_rate(f64::INFINITY), "0/s");
    }

    #[test]
    fn disabled_lines_do_nothing() {
        let bar = Bar::new(false);
        let line = bar.line("users");
        line.set_total(10);
        line.inc(5);
        line.done();
        bar.finish();
        assert!(line.0.is_none());
    }

    #[test]
    fn totals_only_grow_and_follow_a_position_past_them() {
        let line = Line(Some(ProgressBar::hidden()));
        line.set_total(10);
        line.inc(12);
        let b = line.0.as_ref().unwrap();
        assert_eq!(b.length(), Some(12));
        line.set_total(5);
        assert_eq!(
            b.length(),
            Some(12),
            "a smaller total never shrinks the bar"
        );
    }
}
