//! The SCIM filter subset the embedded server understands: `attr eq value` clauses joined
//! by `and` / `or` (`and` binds tighter, no parentheses, no `not`), operators and attribute
//! names case-insensitive. That is what the IdPs send (Entra uses only `eq` and `and`); any
//! other valid-looking filter is refused with `invalidFilter` rather than silently ignored,
//! because a server that ignores a filter makes a client create duplicates.

use crate::model::{Group, User};

/// One `attr eq value` clause; the attribute is stored lowercased.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub attr: String,
    pub value: String,
}

/// Disjunction of conjunctions: `a and b or c` is `[[a, b], [c]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub any_of: Vec<Vec<Clause>>,
    /// Compare `userName` case-exactly (a fault: RFC 7643 says it is not case-exact).
    pub case_exact_user_name: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            // A JSON string literal: find the closing quote, honouring backslash escapes.
            chars.next();
            let mut end = None;
            let mut escaped = false;
            for (j, d) in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    end = Some(j);
                    break;
                }
            }
            let end = end.ok_or_else(|| format!("unterminated string starting at offset {i}"))?;
            let literal = &input[i..=end];
            let value: String = serde_json::from_str(literal)
                .map_err(|_| format!("invalid string literal {literal}"))?;
            out.push(Token::Str(value));
        } else if c == '(' || c == ')' || c == '[' || c == ']' {
            return Err(format!(
                "grouping with `{c}` is not supported by this server"
            ));
        } else {
            let mut end = input.len();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace() || d == '"' || d == '(' || d == ')' {
                    end = j;
                    break;
                }
                chars.next();
            }
            out.push(Token::Word(input[i..end].to_string()));
        }
    }
    Ok(out)
}

const KNOWN_OPERATORS: &[&str] = &["ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"];

/// Parses a filter; the error text is the `detail` of a 400 `invalidFilter` answer.
pub fn parse(input: &str) -> Result<Filter, String> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err("the filter is empty".into());
    }
    let mut any_of = vec![Vec::new()];
    let mut i = 0;
    loop {
        let attr = match tokens.get(i) {
            Some(Token::Word(w)) => w.to_ascii_lowercase(),
            Some(Token::Str(s)) => return Err(format!("expected an attribute name, got \"{s}\"")),
            None => return Err("the filter ends where an attribute name was expected".into()),
        };
        let op = match tokens.get(i + 1) {
            Some(Token::Word(w)) => w.to_ascii_lowercase(),
            _ => return Err(format!("expected an operator after `{attr}`")),
        };
        if op != "eq" {
            if KNOWN_OPERATORS.contains(&op.as_str()) {
                return Err(format!(
                    "operator `{op}` is not supported by this server (only eq)"
                ));
            }
            return Err(format!("unknown operator `{op}`"));
        }
        let value = match tokens.get(i + 2) {
            Some(Token::Str(s)) => s.clone(),
            Some(Token::Word(w)) if is_bare_literal(w) => w.clone(),
            Some(Token::Word(w)) => return Err(format!("expected a quoted value, got `{w}`")),
            None => return Err(format!("expected a value after `{attr} eq`")),
        };
        if let Some(last) = any_of.last_mut() {
            last.push(Clause { attr, value });
        }
        i += 3;
        match tokens.get(i) {
            None => break,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => {}
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("or") => any_of.push(Vec::new()),
            Some(Token::Word(w)) => return Err(format!("expected `and` or `or`, got `{w}`")),
            Some(Token::Str(s)) => return Err(format!("unexpected value \"{s}\"")),
        }
        i += 1;
    }
    Ok(Filter {
        any_of,
        case_exact_user_name: false,
    })
}

fn is_bare_literal(w: &str) -> bool {
    matches!(w.to_ascii_lowercase().as_str(), "true" | "false" | "null") || w.parse::<f64>().is_ok()
}

/// Attributes a user filter may name (lowercased), and whether they compare case-exactly
/// (RFC 7643: `id` and `externalId` are caseExact, `userName`, emails and names are not).
pub const USER_ATTRIBUTES: &[&str] = &[
    "username",
    "externalid",
    "emails",
    "emails.value",
    "displayname",
    "id",
    "active",
];
pub const GROUP_ATTRIBUTES: &[&str] = &[
    "displayname",
    "externalid",
    "id",
    "members",
    "members.value",
];

/// Rejects attributes the server cannot filter on (400 invalidFilter, as scim2-server does).
pub fn check_attributes(f: &Filter, allowed: &[&str]) -> Result<(), String> {
    for c in f.any_of.iter().flatten() {
        if !allowed.contains(&c.attr.as_str()) {
            return Err(format!(
                "filtering on `{}` is not supported by this server",
                c.attr
            ));
        }
    }
    Ok(())
}

/// Case-insensitive comparison without allocating (filters scan every user).
fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn opt_eq(v: &Option<String>, want: &str, case_exact: bool) -> bool {
    v.as_deref().is_some_and(|s| {
        if case_exact {
            s == want
        } else {
            eq_ci(s, want)
        }
    })
}

fn user_clause(u: &User, c: &Clause, case_exact_user_name: bool) -> bool {
    match c.attr.as_str() {
        "username" => opt_eq(&u.user_name, &c.value, case_exact_user_name),
        "externalid" => opt_eq(&u.external_id, &c.value, true),
        "emails" | "emails.value" => u.emails.iter().any(|e| eq_ci(&e.value, &c.value)),
        "displayname" => opt_eq(&u.display_name, &c.value, false),
        "id" => u.id == c.value,
        "active" => u.is_active().to_string() == c.value.to_ascii_lowercase(),
        _ => false,
    }
}

fn group_clause(g: &Group, c: &Clause) -> bool {
    match c.attr.as_str() {
        "displayname" => opt_eq(&g.display_name, &c.value, false),
        "externalid" => opt_eq(&g.external_id, &c.value, true),
        "id" => g.id == c.value,
        "members" | "members.value" => g.members.iter().any(|m| m.value == c.value),
        _ => false,
    }
}

impl Filter {
    pub fn matches_user(&self, u: &User) -> bool {
        self.any_of.iter().any(|all| {
            all.iter()
                .all(|c| user_clause(u, c, self.case_exact_user_name))
        })
    }

    pub fn matches_group(&self, g: &Group) -> bool {
        self.any_of
            .iter()
            .any(|all| all.iter().all(|c| group_clause(g, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_eq_clauses_joined_by_and_case_insensitively() {
        let f = parse(r#"userName EQ "a@x.test" AnD externalId eq "e\"1""#).unwrap();
        assert_eq!(f.any_of.len(), 1);
        assert_eq!(f.any_of[0][0].attr, "username");
        assert_eq!(f.any_of[0][1].value, "e\"1");
    }

    #[test]
    fn or_starts_a_new_alternative() {
        let f = parse(r#"id eq "1" or id eq "2" and userName eq "x""#).unwrap();
        assert_eq!(f.any_of.len(), 2);
        assert_eq!(f.any_of[1].len(), 2);
    }

    #[test]
    fn malformed_filters_are_rejected() {
        for bad in [
            "",
            "userName",
            "userName eq",
            r#"userName eq "x"#,
            r#"userName zz "x""#,
            r#"(id eq "1")"#,
            r#"id eq "1" and"#,
            r#"userName co "x""#,
            "userName eq bare",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn username_matches_ignoring_case_but_external_id_is_case_exact() {
        let u = User {
            id: "1".into(),
            user_name: Some("Alice@X.test".into()),
            external_id: Some("Ext".into()),
            ..Default::default()
        };
        assert!(parse(r#"userName eq "alice@x.TEST""#)
            .unwrap()
            .matches_user(&u));
        assert!(!parse(r#"externalId eq "ext""#).unwrap().matches_user(&u));
        assert!(parse(r#"externalId eq "Ext""#).unwrap().matches_user(&u));
    }
}
