//! Option values that a command-line flag chooses and lower layers act on: the report format
//! (`render`) and the licence mode (`checks`, `bundle`). They live here, in the bottom layer,
//! so that nothing below `cli` has to import the CLI; `cli::args` names them in its flags.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
    Junit,
    Csv,
    /// One self-contained page to open in a browser (report, explain-user trace, diff)
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LicenseMode {
    /// "Assign license to all users": every active user needs a seat
    #[default]
    All,
    /// "Assign license to selected users or groups": users must be in a licensed group
    Groups,
}
