//! Timestamps in provisioning logs: Graph writes RFC 3339 (with up to 7 fractional digits),
//! the portal download writes either ISO-like text or the US locale form
//! `11/20/2026, 8:15:02 AM`. Times without a zone are taken as UTC (the portal download's
//! columns say "UTC" in current versions); a value that cannot be read is kept as text.

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Parses a log timestamp into UTC.
pub fn parse(raw: &str) -> Option<OffsetDateTime> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.to_offset(time::UtcOffset::UTC));
    }
    iso_without_zone(s).or_else(|| us_locale(s))
}

/// `2026-11-20 08:15:02`, `2026-11-20T08:15:02.123`, optionally followed by ` UTC`.
fn iso_without_zone(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim_end_matches(" UTC").trim_end_matches('Z');
    let (date, time) = s.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let year: i32 = d.next()?.parse().ok()?;
    let month: u8 = d.next()?.parse().ok()?;
    let day: u8 = d.next()?.parse().ok()?;
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let time = clock(time.trim(), None)?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// `11/20/2026, 8:15:02 AM` or `11/20/2026 20:15` (month first, as the portal writes it).
fn us_locale(s: &str) -> Option<OffsetDateTime> {
    let (date, rest) = s.split_once([',', ' '])?;
    let mut d = date.split('/');
    let month: u8 = d.next()?.trim().parse().ok()?;
    let day: u8 = d.next()?.trim().parse().ok()?;
    let year: i32 = d.next()?.trim().parse().ok()?;
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let rest = rest.trim().trim_end_matches(" UTC");
    let upper = rest.to_ascii_uppercase();
    let (clock_text, meridiem) = if let Some(t) = upper.strip_suffix("PM") {
        (t.trim().to_string(), Some(true))
    } else if let Some(t) = upper.strip_suffix("AM") {
        (t.trim().to_string(), Some(false))
    } else {
        (upper.trim().to_string(), None)
    };
    let time = clock(&clock_text, meridiem)?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// `8:15`, `08:15:02`, `08:15:02.1234567`; `pm` = Some(true) for an afternoon 12-hour clock.
fn clock(s: &str, pm: Option<bool>) -> Option<Time> {
    let main = s.split('.').next()?;
    let mut parts = main.split(':');
    let mut hour: u8 = parts.next()?.trim().parse().ok()?;
    let minute: u8 = parts.next()?.trim().parse().ok()?;
    let second: u8 = match parts.next() {
        Some(p) => p.trim().parse().ok()?,
        None => 0,
    };
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    Time::from_hms(hour, minute, second).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(raw: &str) -> String {
        parse(raw)
            .map(crate::util::rfc3339)
            .unwrap_or_else(|| "none".into())
    }

    // proves that every timestamp form the log sources use lands on the same UTC instant
    #[test]
    fn the_log_timestamp_forms() {
        assert_eq!(iso("2026-11-20T08:15:02.1234567Z"), "2026-11-20T08:15:02Z");
        assert_eq!(iso("2026-11-20T09:15:02+01:00"), "2026-11-20T08:15:02Z");
        assert_eq!(iso("2026-11-20 08:15:02"), "2026-11-20T08:15:02Z");
        assert_eq!(iso("11/20/2026, 8:15:02 AM"), "2026-11-20T08:15:02Z");
        assert_eq!(iso("11/20/2026 8:15:02 PM"), "2026-11-20T20:15:02Z");
        assert_eq!(iso("11/20/2026, 12:05:00 AM"), "2026-11-20T00:05:00Z");
    }

    // proves that unreadable values are rejected instead of guessed
    #[test]
    fn garbage_is_none() {
        assert_eq!(iso("yesterday"), "none");
        assert_eq!(iso("13/40/2026 8:00"), "none");
        assert_eq!(iso(""), "none");
    }
}
