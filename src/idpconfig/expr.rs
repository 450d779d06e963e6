//! Entra attribute-mapping expressions (learn.microsoft.com "Reference for writing expressions
//! for attribute mappings"): the syntax tree and its parser (`[attribute]`, `"string"` with
//! backslash escapes, numbers, nested `Function(arg, , arg)` calls with empty arguments, and
//! the `=`/`<>` comparisons IIF conditions use, Visual Basic constants such as
//! vbBinaryCompare), the values an evaluation yields (`Val`), and the static view the
//! mapping checks need (which source attributes feed a mapping). The bottom of the
//! expression language: the function library (`functions`) builds on it, and the evaluator
//! (`eval`) on both.
//!
//! Null handling follows Microsoft's text where it says something: Left and Word return ""
//! for a null string, Not returns True unless the source is True, Coalesce returns the first
//! non-null source, Switch compares case-sensitively and falls back to its default, and Join
//! leaves out empty sources (the doc's `Join(", ", "", [surname], [givenName])` gives
//! "Doe, John"). Where the doc is silent (Append, Mid, ToLower, ToUpper, Replace on a null
//! source) a null source stays null: nothing flows. An attribute that is missing or empty is
//! null, since Entra does not store empty strings.

use std::fmt;

/// Deepest nesting accepted; real expressions are limited to 10,000 characters.
pub(super) const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Attr(String),
    Str(String),
    Num(i64),
    /// An argument left out (`Switch([a], , "x", "y")`).
    Empty,
    Call(String, Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Attr(a) => write!(f, "[{a}]"),
            Expr::Str(s) => write!(f, "\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
            Expr::Num(n) => write!(f, "{n}"),
            Expr::Empty => Ok(()),
            Expr::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
            Expr::Cmp(op, l, r) => {
                let o = match op {
                    CmpOp::Eq => "=",
                    CmpOp::Ne => "<>",
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                    CmpOp::Gt => ">",
                    CmpOp::Ge => ">=",
                };
                write!(f, "{l} {o} {r}")
            }
        }
    }
}

/// Parses one expression; the error names the character position (1-based).
pub fn parse(text: &str) -> Result<Expr, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let e = p.expr(0)?;
    p.ws();
    if p.pos < p.chars.len() {
        return Err(format!(
            "unexpected `{}` at character {}",
            p.chars[p.pos],
            p.pos + 1
        ));
    }
    if e == Expr::Empty {
        return Err("empty expression".into());
    }
    Ok(e)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn ws(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn err(&self, what: &str) -> String {
        match self.peek() {
            Some(c) => format!("{what} at character {}, found `{c}`", self.pos + 1),
            None => format!("{what} at the end of the expression"),
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let left = self.primary(depth)?;
        self.ws();
        let op = match (self.peek(), self.chars.get(self.pos + 1).copied()) {
            (Some('<'), Some('>')) | (Some('!'), Some('=')) => Some((CmpOp::Ne, 2)),
            (Some('<'), Some('=')) => Some((CmpOp::Le, 2)),
            (Some('>'), Some('=')) => Some((CmpOp::Ge, 2)),
            (Some('='), Some('=')) => Some((CmpOp::Eq, 2)),
            (Some('='), _) => Some((CmpOp::Eq, 1)),
            (Some('<'), _) => Some((CmpOp::Lt, 1)),
            (Some('>'), _) => Some((CmpOp::Gt, 1)),
            _ => None,
        };
        let Some((op, len)) = op else {
            return Ok(left);
        };
        self.pos += len;
        let right = self.primary(depth)?;
        if left == Expr::Empty || right == Expr::Empty {
            return Err(self.err("a comparison needs a value on both sides"));
        }
        Ok(Expr::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, String> {
        self.ws();
        match self.peek() {
            None | Some(',') | Some(')') => Ok(Expr::Empty),
            Some('[') => {
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(|c| c != ']') {
                    self.pos += 1;
                }
                if self.peek().is_none() {
                    return Err(format!("`[` at character {start} is never closed"));
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                self.pos += 1;
                if name.trim().is_empty() {
                    return Err(format!("empty attribute name at character {start}"));
                }
                Ok(Expr::Attr(name.trim().to_string()))
            }
            Some('"') => {
                let start = self.pos + 1;
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err(format!("string at character {start} is never closed")),
                        Some('\\') => {
                            self.pos += 1;
                            if let Some(c) = self.peek() {
                                s.push(c);
                                self.pos += 1;
                            }
                        }
                        Some('"') => {
                            self.pos += 1;
                            return Ok(Expr::Str(s));
                        }
                        Some(c) => {
                            s.push(c);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some('&') if matches!(self.chars.get(self.pos + 1), Some('H' | 'h')) => {
                self.pos += 2;
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let digits: String = self.chars[start..self.pos].iter().collect();
                i64::from_str_radix(&digits, 16)
                    .map(Expr::Num)
                    .map_err(|_| self.err("a hexadecimal number"))
            }
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let digits: String = self.chars[start..self.pos].iter().collect();
                digits
                    .parse()
                    .map(Expr::Num)
                    .map_err(|_| format!("`{digits}` is not a number (character {})", start + 1))
            }
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    self.pos += 1;
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                self.ws();
                if self.peek() != Some('(') {
                    // VBA-style literals some admins write unquoted.
                    if name.eq_ignore_ascii_case("true") || name.eq_ignore_ascii_case("false") {
                        return Ok(Expr::Str(name));
                    }
                    // The Visual Basic constants Microsoft's reference uses (InStr's
                    // compareType: `InStr("repEated","e",3,vbBinaryCompare)`).
                    if let Some(v) = vb_constant(&name) {
                        return Ok(v);
                    }
                    return Err(format!(
                        "`{name}` at character {} is neither a function call nor an [attribute]",
                        start + 1
                    ));
                }
                self.pos += 1;
                let mut args = Vec::new();
                loop {
                    let a = self.expr(depth + 1)?;
                    args.push(a);
                    self.ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(')') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(self.err(&format!("expected `,` or `)` in {name}("))),
                    }
                }
                // `F()` is a call without arguments, not one empty argument.
                if args.len() == 1 && args[0] == Expr::Empty {
                    args.clear();
                }
                Ok(Expr::Call(name, args))
            }
            Some(_) => Err(self.err("expected [attribute], \"string\", number or Function(")),
        }
    }
}

/// The value of a Visual Basic constant written bare in an expression.
fn vb_constant(name: &str) -> Option<Expr> {
    Some(match name.to_ascii_lowercase().as_str() {
        "vbbinarycompare" => Expr::Num(0),
        "vbtextcompare" => Expr::Num(1),
        "vbcrlf" => Expr::Str("\r\n".into()),
        "vbcr" => Expr::Str("\r".into()),
        "vblf" => Expr::Str("\n".into()),
        "vbtab" => Expr::Str("\t".into()),
        _ => return None,
    })
}

/// A value during evaluation. Booleans are the strings "True" / "False", as Entra sends them.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Many(Vec<String>),
}

impl Val {
    pub fn is_null(&self) -> bool {
        match self {
            Val::Null => true,
            Val::Str(s) => s.is_empty(),
            Val::Many(v) => v.is_empty(),
        }
    }

    /// The value as text (multi-valued: the first value), `None` for null.
    pub fn text(&self) -> Option<String> {
        match self {
            Val::Null => None,
            Val::Str(s) => Some(s.clone()),
            Val::Many(v) => v.first().cloned(),
        }
    }

    pub fn display(&self) -> String {
        match self {
            Val::Null => "null".into(),
            Val::Str(s) => format!("{s:?}"),
            Val::Many(v) => format!("{v:?}"),
        }
    }
}

pub(crate) fn boolean(b: bool) -> Val {
    Val::Str(if b { "True" } else { "False" }.into())
}

/// Why an expression could not be evaluated (an unsupported function, a bad argument). A
/// reason starting with [`NOT_KNOWN`] means the value exists but cannot be known from the
/// inputs (Now, Guid, RandomString, a uniqueness lookup in the target): never a guess.
pub type NotEvaluated = String;

/// Prefix of the reasons for values that cannot be known.
pub const NOT_KNOWN: &str = "not known: ";

/// True when `why` says the value cannot be known (rather than "not evaluated").
pub fn is_not_known(why: &str) -> bool {
    why.starts_with(NOT_KNOWN)
}

/// Source attributes an expression reads, in order, without duplicates.
pub fn attributes(e: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::Attr(a) if !out.iter().any(|o| o.eq_ignore_ascii_case(a)) => {
                out.push(a.clone());
            }
            Expr::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            Expr::Cmp(_, l, r) => {
                walk(l, out);
                walk(r, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

/// What a mapping's value is made of, as far as can be known without a user.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Exactly one attribute's value, possibly re-cased or with fall-backs to other
    /// attributes (`[mail]`, `ToLower([userPrincipalName])`, `Coalesce([mail], [upn])`).
    Attributes(Vec<String>),
    Constant(String),
    /// Built by a function whose result depends on the data (Join, Replace, Switch...).
    Computed(String),
}

pub fn shape(e: &Expr) -> Shape {
    match e {
        Expr::Attr(a) => Shape::Attributes(vec![a.clone()]),
        Expr::Str(s) => Shape::Constant(s.clone()),
        Expr::Num(n) => Shape::Constant(n.to_string()),
        Expr::Call(name, args)
            if ["tolower", "toupper", "stripspaces", "trim"]
                .contains(&name.to_ascii_lowercase().as_str())
                && !args.is_empty() =>
        {
            shape(&args[0])
        }
        Expr::Call(name, args) if name.eq_ignore_ascii_case("coalesce") => {
            let mut attrs = Vec::new();
            for a in args {
                match shape(a) {
                    Shape::Attributes(v) => attrs.extend(v),
                    _ => return Shape::Computed(e.to_string()),
                }
            }
            Shape::Attributes(attrs)
        }
        _ => Shape::Computed(e.to_string()),
    }
}
