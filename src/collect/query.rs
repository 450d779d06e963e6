//! The collectors' small words: the `--since` window, times and values as both APIs take
//! them in queries, and the "did you mean" list of close names.

/// `--since`: `90d`, `12h`, `2w`, or an RFC 3339 time. Returns the start of the window.
pub fn parse_since(text: &str, now: time::OffsetDateTime) -> Result<time::OffsetDateTime, String> {
    let t = text.trim();
    if let Ok(at) = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        if at > now {
            return Err(format!("--since {t} is in the future"));
        }
        return Ok(at);
    }
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| {
        format!("--since `{t}`: expected a number of days, hours or weeks (90d, 12h, 2w) or an RFC 3339 time")
    })?;
    if n <= 0 {
        return Err(format!("--since `{t}`: the window must be longer than 0"));
    }
    let d = match unit {
        "d" | "D" => time::Duration::days(n),
        "h" | "H" => time::Duration::hours(n),
        "w" | "W" => time::Duration::weeks(n),
        _ => {
            return Err(format!(
                "--since `{t}`: expected a number of days, hours or weeks (90d, 12h, 2w) or an RFC 3339 time"
            ))
        }
    };
    Ok(now - d)
}

/// Seconds-precision RFC 3339 in UTC with a `Z` (what both APIs take in filters).
pub fn zulu(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Percent-encodes a query value or path segment; a space is `%20` (not `+`, which not every
/// server decodes as a space in a query).
pub fn enc(s: &str) -> String {
    let form: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
    // byte_serialize writes a literal `+` as `%2B`, so every `+` left is a space.
    form.replace('+', "%20")
}

/// Edit distance on folded names, for "did you mean" lists.
pub fn distance(a: &str, b: &str) -> usize {
    crate::util::edit_distance(&crate::util::fold_name(a), &crate::util::fold_name(b))
}

/// Up to `n` names closest to `wanted` (a name containing it counts as close).
pub fn closest(wanted: &str, names: &[String], n: usize) -> Vec<String> {
    let w = crate::util::fold_name(wanted);
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .map(|name| {
            let f = crate::util::fold_name(name);
            let d = if f.contains(&w) || w.contains(&f) {
                0
            } else {
                distance(wanted, name)
            };
            (d, name)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, s)| s.clone()).collect()
}
