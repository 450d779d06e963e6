//! Where text goes: the report to stdout in the chosen format, notes and progress to stderr,
//! colours per --color / NO_COLOR / TERM=dumb, and a broken pipe counted as success.

use super::args::{ColorChoice, Format, GlobalArgs, ReportArgs};
use crate::render::RenderOptions;
use crate::report::{FailOn, Report};
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub fail_on: FailOn,
    pub max_subjects: usize,
    /// `--only-failures`: the human report lists only the checks that found something.
    pub only_failures: bool,
    /// Progress bars: only on an interactive stderr, never with -q, -v or machine formats.
    pub progress: bool,
    /// (path prefix, what to show instead) in everything printed: the demo's sample inputs
    /// live in a scratch directory that is gone when the run ends.
    pub path_alias: Option<(String, String)>,
}

fn color_wanted(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
        }
    }
}

impl Output {
    /// `r` holds the command's report options (defaults for commands without a report).
    pub fn new(g: &GlobalArgs, r: &ReportArgs) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let format = r.format.unwrap_or(if stdout_tty {
            Format::Human
        } else {
            Format::Json
        });
        let color = color_wanted(g.color, stdout_tty);
        colored::control::set_override(color);
        Output {
            format,
            color,
            quiet: g.quiet,
            verbose: g.verbose,
            fail_on: r.fail_on.unwrap_or(FailOn::Fail),
            max_subjects: r.max_subjects.unwrap_or(10),
            only_failures: r.only_failures,
            progress: stderr_tty && !g.quiet && g.verbose == 0 && format == Format::Human,
            path_alias: None,
        }
    }

    pub fn render_options(&self) -> RenderOptions {
        RenderOptions {
            color: self.color,
            max_subjects: self.max_subjects,
            only_failures: self.only_failures,
        }
    }

    /// This output, printing `shown` wherever a path starts with `dir`.
    pub fn with_path_alias(&self, dir: &std::path::Path, shown: &str) -> Output {
        let mut prefix = dir.display().to_string();
        prefix.push(std::path::MAIN_SEPARATOR);
        Output {
            path_alias: Some((prefix, shown.to_string())),
            ..self.clone()
        }
    }

    fn aliased<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.path_alias {
            Some((prefix, shown)) if text.contains(prefix.as_str()) => {
                std::borrow::Cow::Owned(text.replace(prefix.as_str(), shown))
            }
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    /// Writes to stdout; a closed pipe (`| head`) is not an error.
    pub fn print(&self, text: &str) -> Result<(), String> {
        let text = self.aliased(text);
        self.print_bytes(crate::secret::scrub_cow(&text).as_bytes())
    }

    pub fn print_bytes(&self, bytes: &[u8]) -> Result<(), String> {
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("cannot write to standard output: {e}")),
        }
    }

    /// Renders the report to stdout and returns the exit code it implies.
    pub fn report(&self, report: &Report) -> Result<i32, String> {
        self.report_with(report, None)
    }

    /// `report`, with the tenant for formats that draw it (HTML charts).
    pub fn report_with(
        &self,
        report: &Report,
        tenant: Option<&crate::model::Tenant>,
    ) -> Result<i32, String> {
        let text = crate::render::render_with(report, tenant, self.format, &self.render_options());
        self.print(&text)?;
        Ok(report.exit_code(self.fail_on))
    }

    /// A note on stderr (suppressed by -q).
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{}", crate::secret::scrub(&self.aliased(msg)));
        }
    }

    /// A warning on stderr (shown even with -q: it changes how the report must be read).
    pub fn warn(&self, msg: &str) {
        use colored::Colorize;
        eprintln!(
            "{} {}",
            "warning:".yellow().bold(),
            crate::secret::scrub(&self.aliased(msg))
        );
    }

    /// A debug line on stderr (with -v).
    pub fn debug(&self, msg: &str) {
        if self.verbose > 0 {
            eprintln!("debug: {}", crate::secret::scrub(&self.aliased(msg)));
        }
    }

    pub fn error(&self, msg: &str) {
        use colored::Colorize;
        eprintln!(
            "{} {}",
            "scim-doctor: error:".red().bold(),
            crate::secret::scrub(msg)
        );
    }
}
