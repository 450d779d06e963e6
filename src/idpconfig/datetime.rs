//! Dates as Entra's expression functions handle them (Microsoft's "Reference for writing
//! expressions for attribute mappings"): CDate, DateAdd and Now return the text
//! `M/d/yyyy h:mm:ss tt` in UTC; FormatDateTime parses and writes .NET custom date and time
//! format strings; DateFromNum / NumFromDate convert Active Directory's 100-nanosecond
//! ticks since 1601-01-01 UTC. A value with an offset is converted to UTC, as the service
//! (which runs in UTC) does; a value without one is read as UTC.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// `M/d/yyyy h:mm:ss tt`, the format CDate, DateAdd and Now return.
pub fn vb(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let (h, pm) = match t.hour() {
        0 => (12, false),
        h @ 1..=11 => (h, false),
        12 => (12, true),
        h => (h - 12, true),
    };
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        u8::from(t.month()),
        t.day(),
        t.year(),
        h,
        t.minute(),
        t.second(),
        if pm { "PM" } else { "AM" }
    )
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn offset(s: &str) -> Option<UtcOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = match s.chars().next()? {
        '+' => (1, &s[1..]),
        '-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (num(h)?, num(m)?),
        None if rest.len() == 4 => (num(&rest[..2])?, num(&rest[2..])?),
        None => (num(rest)?, 0),
    };
    UtcOffset::from_hms((sign * h) as i8, (sign * m) as i8, 0).ok()
}

fn date(y: i64, m: i64, d: i64) -> Option<Date> {
    Date::from_calendar_date(y as i32, Month::try_from(m as u8).ok()?, d as u8).ok()
}

/// `hh:mm[:ss[.fffffff]]`, 24-hour.
fn clock(s: &str) -> Option<Time> {
    let mut parts = s.split(':');
    let h = num(parts.next()?)?;
    let m = num(parts.next()?)?;
    let (sec, nanos) = match parts.next() {
        Some(x) => match x.split_once('.') {
            Some((s, f)) => (num(s)?, fraction(f)?),
            None => (num(x)?, 0),
        },
        None => (0, 0),
    };
    Time::from_hms_nano(h as u8, m as u8, sec as u8, nanos).ok()
}

fn fraction(f: &str) -> Option<u32> {
    if f.is_empty() || f.len() > 9 || !f.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{f:0<9}");
    padded.parse().ok()
}

/// Reads the date forms the documented examples use: ISO 8601 with or without a time and an
/// offset (`2009-06-15T01:45:30-07:00`, `2020-03-16-07:00`, `2021-06-30+08:00`,
/// `2021-08-24`), and the `M/d/yyyy h:mm:ss tt` text CDate and Now return.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    let s = text.trim();
    if s.contains('/') {
        return parse_vb(s);
    }
    if s.len() < 10 {
        return None;
    }
    let (d, rest) = s.split_at(10);
    let mut dp = d.split('-');
    let day = date(num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?)?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    // The time runs to the offset (`Z`, `+`, or the `-` after the clock).
    let cut = rest
        .char_indices()
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let (clk, off) = rest.split_at(cut);
    let t = if clk.trim().is_empty() {
        Time::MIDNIGHT
    } else {
        clock(clk.trim())?
    };
    let off = if off.trim().is_empty() {
        UtcOffset::UTC
    } else {
        offset(off)?
    };
    Some(
        PrimitiveDateTime::new(day, t)
            .assume_offset(off)
            .to_offset(UtcOffset::UTC),
    )
}

fn parse_vb(s: &str) -> Option<OffsetDateTime> {
    let mut it = s.split_whitespace();
    let mut dp = it.next()?.split('/');
    let (m, d, y) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    let day = date(y, m, d)?;
    let t = match it.next() {
        None => Time::MIDNIGHT,
        Some(c) => {
            let t = clock(c)?;
            match it.next().map(str::to_ascii_uppercase).as_deref() {
                None => t,
                Some("AM") if t.hour() == 12 => t.replace_hour(0).ok()?,
                Some("AM") => t,
                Some("PM") if t.hour() < 12 => t.replace_hour(t.hour() + 12).ok()?,
                Some("PM") => t,
                _ => return None,
            }
        }
    };
    Some(PrimitiveDateTime::new(day, t).assume_utc())
}

/// Adds `n` months the way .NET's AddMonths does: the day is clamped to the month's length.
fn add_months(t: OffsetDateTime, n: i64) -> Option<OffsetDateTime> {
    let total = t.year() as i64 * 12 + (u8::from(t.month()) as i64 - 1) + n;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let month = Month::try_from(m as u8).ok()?;
    let last = time::util::days_in_month(month, y as i32);
    let d = Date::from_calendar_date(y as i32, month, t.day().min(last)).ok()?;
    Some(t.replace_date(d))
}

/// DateAdd's intervals: yyyy, m, d, ww, h, n, s.
pub fn add(interval: &str, n: i64, t: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let r = match interval {
        "yyyy" => add_months(t, n * 12),
        "m" => add_months(t, n),
        "d" => t.checked_add(Duration::days(n)),
        "ww" => t.checked_add(Duration::weeks(n)),
        "h" => t.checked_add(Duration::hours(n)),
        "n" => t.checked_add(Duration::minutes(n)),
        "s" => t.checked_add(Duration::seconds(n)),
        other => {
            return Err(format!(
                "interval {other:?} is not one of yyyy, m, d, ww, h, n, s"
            ))
        }
    };
    r.ok_or_else(|| "the date is out of range".into())
}

/// DateDiff: date2 - date1 in `interval` units, counting boundaries as Visual Basic's
/// DateDiff does (days between calendar dates, weeks between the Sundays that start them,
/// months and years between calendar months and years; hours, minutes, seconds truncated).
pub fn diff(interval: &str, a: OffsetDateTime, b: OffsetDateTime) -> Result<i64, String> {
    let days = |x: OffsetDateTime| x.date().to_julian_day() as i64;
    let week_start = |x: OffsetDateTime| days(x) - x.weekday().number_days_from_sunday() as i64;
    let secs = (b - a).whole_seconds();
    Ok(match interval {
        "yyyy" => (b.year() - a.year()) as i64,
        "m" => {
            (b.year() - a.year()) as i64 * 12 + u8::from(b.month()) as i64
                - u8::from(a.month()) as i64
        }
        "d" => days(b) - days(a),
        "ww" => (week_start(b) - week_start(a)) / 7,
        "h" => secs / 3600,
        "n" => secs / 60,
        "s" => secs,
        other => {
            return Err(format!(
                "interval {other:?} is not one of yyyy, m, d, ww, h, n, s"
            ))
        }
    })
}

/// 100-nanosecond ticks between 1601-01-01 UTC and the Unix epoch.
const FILETIME_EPOCH: i128 = 116_444_736_000_000_000;

pub fn from_ad(ticks: i64) -> Option<OffsetDateTime> {
    let nanos = (ticks as i128 - FILETIME_EPOCH) * 100;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

pub fn to_ad(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 100 + FILETIME_EPOCH) as i64
}

/// A .NET custom date and time format string, cut into specifiers and literals.
#[derive(Debug, PartialEq)]
enum Tok {
    /// A specifier letter and how many times it repeats (`yyyy` = ('y', 4)).
    Spec(char, usize),
    Lit(String),
}

fn tokens(fmt: &str) -> Vec<Tok> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            'd' | 'f' | 'F' | 'h' | 'H' | 'm' | 'M' | 's' | 't' | 'y' | 'z' | 'K' => {
                let mut n = 1;
                while chars.get(i + n) == Some(&c) {
                    n += 1;
                }
                out.push(Tok::Spec(c, n));
                i += n;
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|x| *x == c)
                    .map(|p| i + 1 + p)
                    .unwrap_or(chars.len());
                out.push(Tok::Lit(chars[i + 1..end].iter().collect()));
                i = end + 1;
            }
            '\\' => {
                if let Some(n) = chars.get(i + 1) {
                    out.push(Tok::Lit(n.to_string()));
                }
                i += 2;
            }
            '%' => i += 1,
            _ => {
                out.push(Tok::Lit(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Parses `text` with a .NET custom format (FormatDateTime's inputFormat).
pub fn parse_exact(text: &str, fmt: &str) -> Result<OffsetDateTime, String> {
    let s: Vec<char> = text.trim().chars().collect();
    let mut i = 0;
    let (mut y, mut mo, mut d, mut h, mut mi, mut se, mut nanos) =
        (1i64, 1i64, 1i64, 0i64, 0i64, 0i64, 0u32);
    let mut pm: Option<bool> = None;
    let mut off = UtcOffset::UTC;
    let bad = |what: &str| format!("{text:?} does not match the input format {fmt:?} ({what})");
    let digits = |i: &mut usize, min: usize, max: usize| -> Option<i64> {
        let start = *i;
        while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
            *i += 1;
        }
        (*i - start >= min)
            .then(|| s[start..*i].iter().collect::<String>().parse().ok())
            .flatten()
    };
    for t in tokens(fmt) {
        match t {
            Tok::Lit(l) => {
                for c in l.chars() {
                    if s.get(i) != Some(&c) {
                        return Err(bad(&format!("expected {c:?}")));
                    }
                    i += 1;
                }
            }
            Tok::Spec(c, n) => {
                let (min, max) = if n == 1 { (1, 2) } else { (n, n) };
                match c {
                    'y' => {
                        let (min, max) = if n <= 2 { (min, 2) } else { (n, n.max(4)) };
                        let v = digits(&mut i, min, max).ok_or_else(|| bad("year"))?;
                        y = if n <= 2 { 2000 + v } else { v };
                    }
                    'M' if n >= 3 => {
                        let rest: String = s[i..].iter().collect();
                        let k = MONTHS
                            .iter()
                            .position(|m| {
                                let name = if n == 3 { &m[..3] } else { m };
                                rest.to_ascii_lowercase()
                                    .starts_with(&name.to_ascii_lowercase())
                            })
                            .ok_or_else(|| bad("month name"))?;
                        i += if n == 3 { 3 } else { MONTHS[k].len() };
                        mo = k as i64 + 1;
                    }
                    'M' => mo = digits(&mut i, min, max).ok_or_else(|| bad("month"))?,
                    'd' if n <= 2 => d = digits(&mut i, min, max).ok_or_else(|| bad("day"))?,
                    'h' | 'H' => h = digits(&mut i, min, max).ok_or_else(|| bad("hour"))?,
                    'm' => mi = digits(&mut i, min, max).ok_or_else(|| bad("minute"))?,
                    's' => se = digits(&mut i, min, max).ok_or_else(|| bad("second"))?,
                    'f' | 'F' => {
                        let start = i;
                        let v = digits(&mut i, if c == 'f' { n } else { 0 }, n)
                            .or((c == 'F').then_some(0))
                            .ok_or_else(|| bad("fraction"))?;
                        let _ = v;
                        let f: String = s[start..i].iter().collect();
                        nanos = if f.is_empty() {
                            0
                        } else {
                            fraction(&f).unwrap_or(0)
                        };
                    }
                    't' => {
                        let rest: String = s[i..].iter().collect::<String>().to_ascii_uppercase();
                        let (is_pm, len) = if rest.starts_with("PM") {
                            (true, if n == 1 { 1 } else { 2 })
                        } else if rest.starts_with("AM") {
                            (false, if n == 1 { 1 } else { 2 })
                        } else if n == 1 && rest.starts_with('P') {
                            (true, 1)
                        } else if n == 1 && rest.starts_with('A') {
                            (false, 1)
                        } else {
                            return Err(bad("AM/PM"));
                        };
                        pm = Some(is_pm);
                        i += len;
                    }
                    'z' | 'K' => {
                        let start = i;
                        if s.get(i).is_some_and(|c| *c == 'Z' || *c == 'z') && c == 'K' {
                            i += 1;
                        } else if s.get(i).is_some_and(|c| *c == '+' || *c == '-') {
                            i += 1;
                            while i < s.len() && (s[i].is_ascii_digit() || s[i] == ':') {
                                i += 1;
                            }
                        } else if c == 'z' {
                            return Err(bad("offset"));
                        }
                        let o: String = s[start..i].iter().collect();
                        if !o.is_empty() {
                            off = offset(&o).ok_or_else(|| bad("offset"))?;
                        }
                    }
                    _ => {
                        return Err(format!(
                            "format specifier {:?} is not supported",
                            c.to_string().repeat(n)
                        ))
                    }
                }
            }
        }
    }
    if i != s.len() {
        return Err(bad("text left over"));
    }
    if let Some(p) = pm {
        h = match (p, h) {
            (false, 12) => 0,
            (true, h) if h < 12 => h + 12,
            (_, h) => h,
        };
    }
    let day = date(y, mo, d).ok_or_else(|| bad("no such date"))?;
    let t =
        Time::from_hms_nano(h as u8, mi as u8, se as u8, nanos).map_err(|_| bad("no such time"))?;
    Ok(PrimitiveDateTime::new(day, t)
        .assume_offset(off)
        .to_offset(UtcOffset::UTC))
}

/// Writes `t` (UTC) with a .NET custom format (FormatDateTime's outputFormat).
pub fn format(t: OffsetDateTime, fmt: &str) -> Result<String, String> {
    let mut out = String::new();
    let h12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    for tok in tokens(fmt) {
        match tok {
            Tok::Lit(l) => out.push_str(&l),
            Tok::Spec(c, n) => {
                let pad = |v: i64, n: usize| format!("{v:0width$}", width = n.min(2));
                let s = match c {
                    'y' if n <= 2 => format!("{:02}", t.year().rem_euclid(100)),
                    'y' => format!("{:0width$}", t.year(), width = n),
                    'M' if n == 3 => MONTHS[u8::from(t.month()) as usize - 1][..3].to_string(),
                    'M' if n >= 4 => MONTHS[u8::from(t.month()) as usize - 1].to_string(),
                    'M' => pad(u8::from(t.month()) as i64, n),
                    'd' if n <= 2 => pad(t.day() as i64, n),
                    'd' => {
                        let w = t.weekday().to_string();
                        if n == 3 {
                            w[..3].to_string()
                        } else {
                            w
                        }
                    }
                    'h' => pad(h12 as i64, n),
                    'H' => pad(t.hour() as i64, n),
                    'm' => pad(t.minute() as i64, n),
                    's' => pad(t.second() as i64, n),
                    'f' | 'F' => {
                        let f = format!("{:09}", t.nanosecond());
                        let f = &f[..n.min(9)];
                        if c == 'F' {
                            f.trim_end_matches('0').to_string()
                        } else {
                            f.to_string()
                        }
                    }
                    't' => {
                        let ap = if t.hour() < 12 { "AM" } else { "PM" };
                        ap[..n.min(2)].to_string()
                    }
                    'z' => match n {
                        1 => "+0".into(),
                        2 => "+00".into(),
                        _ => "+00:00".into(),
                    },
                    'K' => "Z".into(),
                    _ => {
                        return Err(format!(
                            "format specifier {:?} is not supported",
                            c.to_string().repeat(n)
                        ))
                    }
                };
                out.push_str(&s);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> OffsetDateTime {
        parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    /// Proves CDate's three documented examples give Microsoft's documented UTC text.
    #[test]
    fn cdate_examples() {
        assert_eq!(vb(p("2020-03-16-07:00")), "3/16/2020 7:00:00 AM");
        assert_eq!(vb(p("2021-06-30+08:00")), "6/29/2021 4:00:00 PM");
        assert_eq!(vb(p("2009-06-15T01:45:30-07:00")), "6/15/2009 8:45:30 AM");
        assert_eq!(vb(p("8/25/2021 5:41:18 PM")), "8/25/2021 5:41:18 PM");
        assert!(parse("not a date").is_none());
    }

    /// Proves DateAdd's documented table (days, weeks, months, years, negative values).
    #[test]
    fn dateadd_table() {
        let hire = p("2012-03-16-07:00");
        for (i, n, want) in [
            ("d", 7, "3/23/2012 7:00:00 AM"),
            ("d", -10, "3/6/2012 7:00:00 AM"),
            ("ww", 2, "3/30/2012 7:00:00 AM"),
            ("m", 10, "1/16/2013 7:00:00 AM"),
            ("yyyy", 2, "3/16/2014 7:00:00 AM"),
        ] {
            assert_eq!(vb(add(i, n, hire).unwrap()), want, "{i} {n}");
        }
        assert!(add("q", 1, hire).is_err());
    }

    /// Proves DateDiff's documented table, including the week count across Sundays.
    #[test]
    fn datediff_table() {
        let later = p("8/25/2021 5:41:18 PM");
        let hire = p("2012-03-16-07:00");
        assert_eq!(
            diff("d", p("2021-08-18+08:00"), p("2021-08-31+08:00")),
            Ok(13)
        );
        assert_eq!(diff("d", later, hire), Ok(-3449));
        assert_eq!(diff("ww", later, hire), Ok(-493));
        assert_eq!(diff("m", later, hire), Ok(-113));
        assert_eq!(diff("yyyy", later, hire), Ok(-9));
        assert_eq!(
            diff("d", p("2021-08-31+08:00"), p("2021-08-31+08:00")),
            Ok(0)
        );
        assert_eq!(diff("h", p("2021-08-24"), p("2021-08-25")), Ok(24));
        assert_eq!(diff("n", p("2021-08-24"), p("2021-08-25")), Ok(1440));
        assert_eq!(diff("s", p("2021-08-24"), p("2021-08-25")), Ok(86400));
    }

    /// Proves AD ticks convert both ways (DateFromNum's documented example).
    #[test]
    fn ad_ticks() {
        let t = from_ad(129_699_324_000_000_000).unwrap();
        assert_eq!(vb(t), "1/1/2012 11:00:00 PM");
        assert_eq!(to_ad(t), 129_699_324_000_000_000);
    }

    /// Proves .NET custom formats parse and write (FormatDateTime's documented example and
    /// the Workday NumFromDate one).
    #[test]
    fn custom_formats() {
        let t = parse_exact("20150123105347.1Z", "yyyyMMddHHmmss.fZ").unwrap();
        assert_eq!(format(t, "yyyy-MM-dd").unwrap(), "2015-01-23");
        let t = parse_exact("2020-12-31-08:00", "yyyy-MM-ddzzz").unwrap();
        assert_eq!(format(t, "yyyy-MM-dd").unwrap(), "2020-12-31");
        let t = parse_exact("6/1/2021 03:04:05 PM", "M/d/yyyy hh:mm:ss tt").unwrap();
        assert_eq!(format(t, "yyyy-MM-dd HH:mm").unwrap(), "2021-06-01 15:04");
        assert!(parse_exact("2015-01-23", "yyyyMMdd").is_err());
    }
}
