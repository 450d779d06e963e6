//! Man pages. clap_mangen writes the sections a man page needs, but files a command's whole
//! after-help text under one "EXTRA" heading; here that text is split by its own labels into
//! the headings man(7) readers look for: EXIT STATUS ("Exit codes:"), NOTES (any other
//! paragraph) and EXAMPLES ("Examples:", kept line for line).

use clap_mangen::Man;
use roff::{roman, Roff};
use std::io::Write;

/// One command's page (its subcommands get their own pages: `pages`).
pub fn render_page(cmd: &clap::Command, w: &mut dyn Write) -> std::io::Result<()> {
    let man = Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    if let Some(after) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        after_help_sections(&after.to_string()).to_writer(w)?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

/// Every page of the tree, top command first: (file name, e.g. `scim-doctor-check.1`, page).
pub fn pages(cmd: clap::Command) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let mut page = Vec::new();
        render_page(cmd, &mut page)?;
        out.push((Man::new(cmd.clone()).get_filename(), page));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out)?;
        }
        Ok(())
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut out)?;
    Ok(out)
}

/// The after-help text as EXIT STATUS, NOTES and EXAMPLES sections, in that order (the
/// order of man-pages(7)). Paragraphs are separated by blank lines.
fn after_help_sections(text: &str) -> Roff {
    let mut exit = Vec::new();
    let mut notes = Vec::new();
    let mut examples = Vec::new();
    for para in text.split("\n\n").map(|p| p.trim_matches('\n')) {
        if para.trim().is_empty() {
            continue;
        }
        // "Exit codes:" may also start a line inside a paragraph: what follows is the status.
        let (before, codes) = match para.find("\nExit codes:") {
            Some(i) => (&para[..i], Some(&para[i + 1..])),
            None if para.starts_with("Exit codes:") => ("", Some(para)),
            None => (para, None),
        };
        if let Some(rest) = before.strip_prefix("Examples:") {
            examples.push(rest.trim_matches('\n'));
        } else if !before.trim().is_empty() {
            notes.push(before);
        }
        if let Some(codes) = codes {
            exit.push(codes.trim_start_matches("Exit codes:").trim());
        }
    }
    let mut roff = Roff::default();
    let mut section = |name: &str, paras: &[&str], literal: bool| {
        if paras.is_empty() {
            return;
        }
        roff.control("SH", [name]);
        for (i, para) in paras.iter().enumerate() {
            if i > 0 {
                roff.control("PP", []);
            }
            if literal {
                roff.control("nf", []);
            }
            for line in para.lines() {
                roff.text([roman(line)]);
            }
            if literal {
                roff.control("fi", []);
            }
        }
    };
    section("EXIT STATUS", &exit, false);
    section("NOTES", &notes, false);
    section("EXAMPLES", &examples, true);
    roff
}

#[cfg(test)]
mod tests {
    use super::after_help_sections;

    #[test]
    fn after_help_is_split_by_its_labels() {
        let text = "Examples:\n  tool run --x\n  tool run --y\n\nNote: slow.\nExit codes: 0 ok, 1 findings.";
        let roff = after_help_sections(text).to_roff();
        let exit = roff.find(".SH \"EXIT STATUS\"").expect(&roff);
        let notes = roff.find(".SH NOTES").expect(&roff);
        let examples = roff.find(".SH EXAMPLES").expect(&roff);
        assert!(exit < notes && notes < examples, "{roff}");
        assert!(roff[examples..].contains("tool run \\-\\-y"), "{roff}");
        assert!(roff[examples..].contains(".nf"), "{roff}");
        assert!(!roff.contains("EXTRA"), "{roff}");
        assert!(roff[exit..notes].contains("0 ok"), "{roff}");
        assert!(!roff[notes..].contains("0 ok"), "{roff}");
    }
}
