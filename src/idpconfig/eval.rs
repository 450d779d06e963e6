//! The evaluator of attribute-mapping expressions: walks the syntax tree of `expr` and hands
//! each function call to the library in `functions`, with a callback that evaluates one
//! argument (arguments stay expressions until a function asks for them: IIF, Switch and
//! Coalesce only evaluate the branches they take). The top of the expression language:
//! `expr` knows neither of the files above it, and `functions` does not know this one.
//!
//! Null handling is described in `expr`: an attribute that is missing or empty is null.

use super::expr::{boolean, CmpOp, Expr, NotEvaluated, Val, MAX_DEPTH};
use super::functions;

/// Evaluates `e`, reading attributes through `attr` (`Val::Null` when missing or empty).
pub fn eval(e: &Expr, attr: &dyn Fn(&str) -> Val) -> Result<Val, NotEvaluated> {
    eval_at(e, attr, 0)
}

fn eval_at(e: &Expr, attr: &dyn Fn(&str) -> Val, depth: usize) -> Result<Val, NotEvaluated> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    match e {
        Expr::Attr(a) => Ok(match attr(a) {
            Val::Str(s) if s.is_empty() => Val::Null,
            Val::Many(v) if v.is_empty() => Val::Null,
            v => v,
        }),
        Expr::Str(s) => Ok(Val::Str(s.clone())),
        Expr::Num(n) => Ok(Val::Str(n.to_string())),
        Expr::Empty => Ok(Val::Null),
        Expr::Cmp(op, l, r) => {
            let l = eval_at(l, attr, depth + 1)?.text().unwrap_or_default();
            let r = eval_at(r, attr, depth + 1)?.text().unwrap_or_default();
            let ord = match (l.trim().parse::<i64>(), r.trim().parse::<i64>()) {
                (Ok(a), Ok(b)) => a.cmp(&b),
                _ => l.cmp(&r),
            };
            Ok(boolean(match op {
                CmpOp::Eq => l == r,
                CmpOp::Ne => l != r,
                CmpOp::Lt => ord.is_lt(),
                CmpOp::Le => ord.is_le(),
                CmpOp::Gt => ord.is_gt(),
                CmpOp::Ge => ord.is_ge(),
            }))
        }
        Expr::Call(name, args) => {
            functions::call(name, args, &|a: &Expr| eval_at(a, attr, depth + 1))
        }
    }
}
