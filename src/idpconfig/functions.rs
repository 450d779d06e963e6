//! The expression functions scim-doctor evaluates, one arm each, with Microsoft's documented
//! null handling (see `expr`). Anything else is reported "not evaluated" with its name: a
//! guess at SingleAppRoleAssignment or DateAdd would be a silent wrong answer.

use super::expr::{boolean, Expr, NotEvaluated, Val};

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
        _ => Err(format!("{name}() is not evaluated by scim-doctor")),
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
