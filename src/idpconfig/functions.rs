//! Every function of Microsoft's "Reference for writing expressions for attribute mappings",
//! one arm each, with the documented semantics and null handling (see `expr`). Values that
//! exist only when Entra runs (Now, Guid, RandomString, SelectUniqueValue's uniqueness
//! lookup) are reported "not known" with the reason; an unknown function name is reported
//! "not evaluated" with its name. Neither is ever replaced by a guess.

use super::datetime;
use super::expr::{boolean, Expr, NotEvaluated, Val, NOT_KNOWN};
use text::{base64_utf16, instr, normalize_diacritics, pcase};

/// Evaluates one argument: handed in by the evaluator (`eval`), so that this library needs
/// only the syntax tree and the values of `expr`, and a function evaluates just the
/// arguments it uses (IIF and Switch only the branch they take).
type Arg<'a> = dyn Fn(&Expr) -> Result<Val, NotEvaluated> + 'a;

fn arity(name: &str, args: &[Expr], min: usize, max: usize) -> Result<(), NotEvaluated> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            min.to_string()
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(format!(
            "{name} expects {want} arguments, got {}",
            args.len()
        ));
    }
    Ok(())
}

fn int(name: &str, v: &Val) -> Result<i64, NotEvaluated> {
    v.text()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| format!("{name}: {} is not a whole number", v.display()))
}

fn map_text(v: Val, f: impl Fn(&str) -> String) -> Val {
    match v {
        Val::Null => Val::Null,
        Val::Str(s) => Val::Str(f(&s)),
        Val::Many(m) => Val::Many(m.iter().map(|s| f(s)).collect()),
    }
}

fn regex(name: &str, pattern: &str) -> Result<regex::Regex, NotEvaluated> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| {
            format!("{name}: pattern {pattern:?} uses .NET regex syntax scim-doctor cannot run")
        })
}

pub fn call(name: &str, args: &[Expr], ev: &Arg) -> Result<Val, NotEvaluated> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "append" => {
            arity(name, args, 2, 2)?;
            let src = ev(&args[0])?;
            let suffix = ev(&args[1])?.text().unwrap_or_default();
            Ok(map_text(src, |s| format!("{s}{suffix}")))
        }
        "join" => {
            arity(name, args, 1, usize::MAX)?;
            let sep = ev(&args[0])?.text().unwrap_or_default();
            let mut parts = Vec::new();
            for a in &args[1..] {
                match ev(a)? {
                    Val::Null => {}
                    Val::Str(s) => parts.push(s),
                    Val::Many(m) => parts.extend(m),
                }
            }
            parts.retain(|p| !p.is_empty());
            Ok(if parts.is_empty() {
                Val::Null
            } else {
                Val::Str(parts.join(&sep))
            })
        }
        "tolower" | "toupper" => {
            arity(name, args, 1, 2)?;
            let upper = lower == "toupper";
            Ok(map_text(ev(&args[0])?, |s| {
                if upper {
                    s.to_uppercase()
                } else {
                    s.to_lowercase()
                }
            }))
        }
        "not" => {
            arity(name, args, 1, 1)?;
            let v = ev(&args[0])?;
            Ok(boolean(!v.truthy_pub()))
        }
        "switch" => {
            arity(name, args, 2, usize::MAX)?;
            if !(args.len() - 2).is_multiple_of(2) {
                return Err(format!(
                    "Switch needs key/value pairs after the source and default, got {} extra arguments",
                    args.len() - 2
                ));
            }
            // A null source compares as "" (Microsoft: use an empty key for empty sources).
            let src = ev(&args[0])?.text().unwrap_or_default();
            for pair in args[2..].chunks(2) {
                let key = ev(&pair[0])?.text().unwrap_or_default();
                if key == src {
                    return ev(&pair[1]);
                }
            }
            ev(&args[1])
        }
        "iif" => {
            arity(name, args, 3, 3)?;
            // Microsoft: "If the source attribute used within the IIF function is empty or
            // null, the condition check fails" (use Switch instead), so what Entra sends
            // then is not documented.
            for a in super::expr::attributes(&args[0]) {
                if ev(&Expr::Attr(a.clone()))?.is_null() {
                    return Err(not_known(format!(
                        "IIF's condition reads [{a}], which is null or empty for this user, and Microsoft documents that the condition check then fails"
                    )));
                }
            }
            if ev(&args[0])?.truthy_pub() {
                ev(&args[1])
            } else {
                ev(&args[2])
            }
        }
        "coalesce" => {
            arity(name, args, 1, usize::MAX)?;
            for a in args {
                let v = ev(a)?;
                if v != Val::Null {
                    return Ok(v);
                }
            }
            Ok(Val::Null)
        }
        "mid" => {
            arity(name, args, 3, 3)?;
            let src = ev(&args[0])?;
            let start = int(name, &ev(&args[1])?)?;
            let len = int(name, &ev(&args[2])?)?;
            if start < 1 || len < 0 {
                return Err(format!("Mid: start {start} / length {len} out of range"));
            }
            Ok(map_text(src, |s| {
                s.chars()
                    .skip(start as usize - 1)
                    .take(len as usize)
                    .collect()
            }))
        }
        "left" => {
            arity(name, args, 2, 2)?;
            let src = ev(&args[0])?.text().unwrap_or_default();
            let n = int(name, &ev(&args[1])?)?;
            Ok(Val::Str(if n < 0 {
                src
            } else {
                src.chars().take(n as usize).collect()
            }))
        }
        "word" => {
            arity(name, args, 3, 3)?;
            let src = ev(&args[0])?.text().unwrap_or_default();
            let n = int(name, &ev(&args[1])?)?;
            let delims: Vec<char> = ev(&args[2])?.text().unwrap_or_default().chars().collect();
            if n < 1 {
                return Ok(Val::Str(String::new()));
            }
            let word = src
                .split(|c| delims.contains(&c))
                .filter(|w| !w.is_empty())
                .nth(n as usize - 1)
                .unwrap_or("");
            Ok(Val::Str(word.to_string()))
        }
        "replace" => replace(args, ev),
        "ispresent" | "isnullorempty" | "isnull" => {
            arity(name, args, 1, 1)?;
            let v = ev(&args[0])?;
            Ok(boolean(match lower.as_str() {
                "ispresent" => !v.is_null(),
                "isnull" => v == Val::Null,
                _ => v.is_null(),
            }))
        }
        "stripspaces" => {
            arity(name, args, 1, 1)?;
            Ok(map_text(ev(&args[0])?, |s| s.replace(' ', "")))
        }
        _ => more(name, &lower, args, ev),
    }
}

fn not_known(why: impl std::fmt::Display) -> NotEvaluated {
    format!("{NOT_KNOWN}{why}")
}

/// A whole number, written in decimal or as Visual Basic hex (`&HF7`, kept as a number by
/// the parser).
fn number(name: &str, v: &Val) -> Result<i64, NotEvaluated> {
    int(name, v)
}

fn date_arg(name: &str, v: &Val) -> Result<time::OffsetDateTime, NotEvaluated> {
    let t = v
        .text()
        .ok_or_else(|| format!("{name}: the date is null"))?;
    datetime::parse(&t).ok_or_else(|| format!("{name}: {t:?} is not a date this evaluator reads"))
}

/// The functions not in `call`'s first table (dates, conversions, multi-valued helpers, and
/// those whose value is not known before Entra runs).
fn more(name: &str, lower: &str, args: &[Expr], ev: &Arg) -> Result<Val, NotEvaluated> {
    match lower {
        "approleassignmentscomplex" => {
            arity(name, args, 1, 1)?;
            // The roles as they are; Entra sends them as SCIM `roles` objects.
            ev(&args[0])
        }
        "bitand" => {
            arity(name, args, 2, 2)?;
            let a = number(name, &ev(&args[0])?)?;
            let b = number(name, &ev(&args[1])?)?;
            Ok(Val::Str((a & b).to_string()))
        }
        "cbool" => {
            arity(name, args, 1, 1)?;
            let v = ev(&args[0])?;
            let t = v.text().unwrap_or_default();
            let t = t.trim();
            if t.eq_ignore_ascii_case("true") {
                Ok(boolean(true))
            } else if t.eq_ignore_ascii_case("false") || t.is_empty() {
                Ok(boolean(false))
            } else {
                match t.parse::<f64>() {
                    Ok(n) => Ok(boolean(n != 0.0)),
                    Err(_) => Err(format!("CBool: {} is neither a number nor True/False", v.display())),
                }
            }
        }
        "cdate" => {
            arity(name, args, 1, 1)?;
            let v = ev(&args[0])?;
            if v == Val::Null {
                return Ok(Val::Null);
            }
            Ok(Val::Str(datetime::vb(date_arg(name, &v)?)))
        }
        "converttobase64" => {
            arity(name, args, 1, 1)?;
            Ok(map_text(ev(&args[0])?, base64_utf16))
        }
        "converttoutf8hex" => {
            arity(name, args, 1, 1)?;
            Ok(map_text(ev(&args[0])?, |s| {
                s.bytes().map(|b| format!("{b:02X}")).collect()
            }))
        }
        "count" => {
            arity(name, args, 1, 1)?;
            let n = match ev(&args[0])? {
                Val::Null => 0,
                Val::Str(s) if s.is_empty() => 0,
                Val::Str(_) => 1,
                Val::Many(m) => m.len(),
            };
            Ok(Val::Str(n.to_string()))
        }
        "cstr" => {
            arity(name, args, 1, 1)?;
            Ok(match ev(&args[0])? {
                Val::Many(m) => m.first().cloned().map(Val::Str).unwrap_or(Val::Null),
                v => v,
            })
        }
        "dateadd" => {
            arity(name, args, 3, 3)?;
            let interval = ev(&args[0])?.text().unwrap_or_default();
            let n = number(name, &ev(&args[1])?)?;
            let d = ev(&args[2])?;
            if d == Val::Null {
                return Ok(Val::Null);
            }
            let t = datetime::add(&interval, n, date_arg(name, &d)?)
                .map_err(|e| format!("DateAdd: {e}"))?;
            Ok(Val::Str(datetime::vb(t)))
        }
        "datediff" => {
            arity(name, args, 3, 3)?;
            let interval = ev(&args[0])?.text().unwrap_or_default();
            let a = date_arg(name, &ev(&args[1])?)?;
            let b = date_arg(name, &ev(&args[2])?)?;
            let n = datetime::diff(&interval, a, b).map_err(|e| format!("DateDiff: {e}"))?;
            Ok(Val::Str(n.to_string()))
        }
        "datefromnum" => {
            arity(name, args, 1, 1)?;
            let v = ev(&args[0])?;
            if v == Val::Null {
                return Ok(Val::Null);
            }
            let t = datetime::from_ad(number(name, &v)?)
                .ok_or_else(|| format!("DateFromNum: {} is out of range", v.display()))?;
            Ok(Val::Str(datetime::vb(t)))
        }
        "numfromdate" => {
            arity(name, args, 1, 1)?;
            let v = ev(&args[0])?;
            if v == Val::Null {
                return Ok(Val::Null);
            }
            Ok(Val::Str(datetime::to_ad(date_arg(name, &v)?).to_string()))
        }
        "formatdatetime" => {
            arity(name, args, 3, 4)?;
            let src = ev(&args[0])?;
            // FormatDateTime(source, inputFormat, outputFormat) is the older three-argument
            // form; the reference documents (source, dateTimeStyles, inputFormat, outputFormat).
            let (input, output) = if args.len() == 4 {
                (ev(&args[2])?.text(), ev(&args[3])?.text())
            } else {
                (ev(&args[1])?.text(), ev(&args[2])?.text())
            };
            let (Some(input), Some(output)) = (input, output) else {
                return Err("FormatDateTime: inputFormat and outputFormat are required".into());
            };
            let Some(text) = src.text() else {
                return Ok(Val::Null);
            };
            let t = datetime::parse_exact(&text, &input).map_err(|e| format!("FormatDateTime: {e}"))?;
            Ok(Val::Str(datetime::format(t, &output).map_err(|e| format!("FormatDateTime: {e}"))?))
        }
        "guid" => Err(not_known("Guid() is a new random GUID each time Entra evaluates it")),
        "now" => Err(not_known("Now() is the UTC time at which Entra evaluates the mapping")),
        "randomstring" => Err(not_known(
            "RandomString() is a new random string each time Entra evaluates it",
        )),
        "selectuniquevalue" => {
            arity(name, args, 2, usize::MAX)?;
            let first = ev(&args[0])
                .ok()
                .and_then(|v| v.text())
                .map(|t| format!(" (first candidate {t:?})"))
                .unwrap_or_default();
            Err(not_known(format!(
                "SelectUniqueValue sends the first of its {} candidates that is not already in the target directory, which only Entra's lookup at creation time knows{first}",
                args.len()
            )))
        }
        "ignoreflowifnullorempty" => {
            arity(name, args, 1, 1)?;
            // Null or empty: the attribute is dropped from the flow, so nothing is sent.
            let v = ev(&args[0])?;
            Ok(if v.is_null() { Val::Null } else { v })
        }
        "instr" => {
            arity(name, args, 2, 4)?;
            let hay = ev(&args[0])?.text().unwrap_or_default();
            let needle = ev(&args[1])?.text().unwrap_or_default();
            let start = match args.get(2).filter(|a| **a != Expr::Empty) {
                Some(a) => number(name, &ev(a)?)?,
                None => 1,
            };
            let text_compare = match args.get(3).filter(|a| **a != Expr::Empty) {
                Some(a) => number(name, &ev(a)?)? == 1,
                None => false,
            };
            if start < 1 {
                return Err(format!("InStr: start {start} must be 1 or more"));
            }
            Ok(Val::Str(
                instr(&hay, &needle, start as usize, text_compare).to_string(),
            ))
        }
        "isstring" => {
            arity(name, args, 1, 1)?;
            Ok(boolean(matches!(ev(&args[0])?, Val::Str(s) if !s.is_empty())))
        }
        "item" => {
            arity(name, args, 2, 2)?;
            let v = ev(&args[0])?;
            let i = number(name, &ev(&args[1])?)?;
            if i < 1 {
                return Err("Item: the index starts at 1 (Microsoft: index 0 shouldn't be used)".into());
            }
            Ok(match v {
                Val::Many(m) => m.get(i as usize - 1).cloned().map(Val::Str).unwrap_or(Val::Null),
                Val::Str(s) if i == 1 => Val::Str(s),
                _ => Val::Null,
            })
        }
        "normalizediacritics" => {
            arity(name, args, 1, 1)?;
            Ok(map_text(ev(&args[0])?, normalize_diacritics))
        }
        "pcase" => {
            arity(name, args, 1, 2)?;
            let seps = match args.get(1).filter(|a| **a != Expr::Empty) {
                Some(a) => ev(a)?.text(),
                None => None,
            };
            Ok(map_text(ev(&args[0])?, |s| pcase(s, seps.as_deref())))
        }
        "redact" => {
            // The value still flows to the target; only the provisioning logs hide it.
            arity(name, args, 1, 1)?;
            ev(&args[0])
        }
        "removeduplicates" => {
            arity(name, args, 1, 1)?;
            Ok(match ev(&args[0])? {
                Val::Many(m) => {
                    let mut seen: Vec<String> = Vec::new();
                    for x in m {
                        if !seen.contains(&x) {
                            seen.push(x);
                        }
                    }
                    Val::Many(seen)
                }
                v => v,
            })
        }
        "singleapproleassignment" => {
            arity(name, args, 1, 1)?;
            match ev(&args[0])? {
                Val::Many(m) if m.len() > 1 => Err(not_known(format!(
                    "SingleAppRoleAssignment with {} role assignments: Microsoft does not support it with several, so which one Entra sends is not documented",
                    m.len()
                ))),
                Val::Many(m) => Ok(m.into_iter().next().map(Val::Str).unwrap_or(Val::Null)),
                v => Ok(v),
            }
        }
        "split" => {
            arity(name, args, 2, 2)?;
            let src = ev(&args[0])?;
            let delim = ev(&args[1])?.text().unwrap_or_default();
            let Some(text) = src.text() else {
                return Ok(Val::Null);
            };
            if delim.is_empty() {
                return Ok(Val::Many(vec![text]));
            }
            // Microsoft's example turns "PermissionSetOne, PermissionSetTwo" into
            // ["PermissionSetOne", "PermissionSetTwo"]: the space after the comma is gone.
            Ok(Val::Many(
                text.split(delim.as_str())
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ))
        }
        _ => Err(format!("{name}() is not evaluated by scim-doctor: it is not in Microsoft's expression reference")),
    }
}

/// Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
/// replacementAttributeName, template): the documented parameter combinations.
fn replace(args: &[Expr], ev: &Arg) -> Result<Val, NotEvaluated> {
    arity("Replace", args, 2, 7)?;
    let given = |i: usize| args.get(i).is_some_and(|a| *a != Expr::Empty);
    let text = |i: usize| -> Result<Option<String>, NotEvaluated> {
        if given(i) {
            Ok(ev(&args[i])?.text())
        } else {
            Ok(None)
        }
    };
    let src = ev(&args[0])?;
    let old = text(1)?;
    let pattern = text(2)?;
    let group = text(3)?;
    let replacement = if given(4) {
        Some(ev(&args[4])?.text().unwrap_or_default())
    } else {
        None
    };
    let template = text(6)?;
    match (old, pattern, group, replacement) {
        (Some(old), None, _, Some(new)) if !old.is_empty() => {
            Ok(map_text(src, |s| s.replace(&old, &new)))
        }
        (Some(old), None, _, None) if template.is_some() && !old.is_empty() => {
            let t = template.unwrap_or_default();
            Ok(match src.text() {
                Some(s) => Val::Str(t.replace(&old, &s)),
                None => Val::Null,
            })
        }
        (None, Some(p), None, Some(new)) => {
            let re = regex("Replace", &p)?;
            Ok(map_text(src, |s| {
                re.replace_all(s, new.as_str()).into_owned()
            }))
        }
        (None, Some(p), Some(g), Some(new)) => {
            let re = regex("Replace", &p)?;
            Ok(map_text(src, |s| {
                let mut out = String::new();
                let mut last = 0;
                for caps in re.captures_iter(s) {
                    if let Some(m) = caps.name(&g) {
                        out.push_str(&s[last..m.start()]);
                        out.push_str(&new);
                        last = m.end();
                    }
                }
                out.push_str(&s[last..]);
                out
            }))
        }
        (None, Some(p), Some(g), None) if given(5) => {
            if !src.is_null() {
                return Ok(src);
            }
            let re = regex("Replace", &p)?;
            let other = ev(&args[5])?.text().unwrap_or_default();
            Ok(re
                .captures(&other)
                .and_then(|c| c.name(&g).map(|m| Val::Str(m.as_str().to_string())))
                .unwrap_or(Val::Null))
        }
        _ => Err("Replace: this combination of parameters is not evaluated by scim-doctor".into()),
    }
}

impl Val {
    pub(crate) fn truthy_pub(&self) -> bool {
        self.text()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
    }
}

mod text;

#[cfg(test)]
mod tests;
