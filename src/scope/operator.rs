//! Scoping-filter operators: the documented Entra set, how their spellings are normalised,
//! and which of them take operands. Anything else is kept as `Unknown` so that it can be
//! reported (`scope-filter-invalid`) instead of silently matching nothing.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `&`: bitwise AND of two integers.
    BitAnd,
    /// `!&`: negation of `&`.
    NotBitAnd,
    EndsWith,
    Equals,
    NotEquals,
    GreaterThan,
    GreaterThanOrEquals,
    Includes,
    IsTrue,
    IsFalse,
    IsNull,
    IsNotNull,
    RegexMatch,
    NotRegexMatch,
    /// Anything Entra does not document (`Present`, `Valid Cert Match`, `IsMemberOf`...),
    /// as written in the input.
    Unknown(String),
}

impl Operator {
    /// Every documented operator, in the order the portal lists them.
    pub const DOCUMENTED: [Operator; 14] = [
        Operator::BitAnd,
        Operator::NotBitAnd,
        Operator::EndsWith,
        Operator::Equals,
        Operator::NotEquals,
        Operator::GreaterThan,
        Operator::GreaterThanOrEquals,
        Operator::Includes,
        Operator::IsTrue,
        Operator::IsFalse,
        Operator::IsNull,
        Operator::IsNotNull,
        Operator::RegexMatch,
        Operator::NotRegexMatch,
    ];

    /// Reads an operator name the way the portal, Graph or an admin may spell it: case,
    /// spaces, underscores and hyphens do not matter (`NOT_EQUALS`, `Not Equals`, `notequals`).
    pub fn parse(name: &str) -> Operator {
        let key: String = name
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        match key.as_str() {
            "&" | "bitand" | "bitwiseand" => Operator::BitAnd,
            "!&" | "notbitand" | "notbitwiseand" => Operator::NotBitAnd,
            "endswith" => Operator::EndsWith,
            "equals" | "=" | "==" => Operator::Equals,
            "notequals" | "!=" | "<>" => Operator::NotEquals,
            "greaterthan" | ">" => Operator::GreaterThan,
            "greaterthanorequals" | "greaterthanorequal" | ">=" => Operator::GreaterThanOrEquals,
            "includes" => Operator::Includes,
            "istrue" => Operator::IsTrue,
            "isfalse" => Operator::IsFalse,
            "isnull" => Operator::IsNull,
            "isnotnull" => Operator::IsNotNull,
            "regexmatch" => Operator::RegexMatch,
            "notregexmatch" => Operator::NotRegexMatch,
            _ => Operator::Unknown(name.trim().to_string()),
        }
    }

    /// The portal's spelling.
    pub fn name(&self) -> &str {
        match self {
            Operator::BitAnd => "&",
            Operator::NotBitAnd => "!&",
            Operator::EndsWith => "ENDS_WITH",
            Operator::Equals => "EQUALS",
            Operator::NotEquals => "NOT EQUALS",
            Operator::GreaterThan => "Greater_Than",
            Operator::GreaterThanOrEquals => "Greater_Than_OR_EQUALS",
            Operator::Includes => "Includes",
            Operator::IsTrue => "IS TRUE",
            Operator::IsFalse => "IS FALSE",
            Operator::IsNull => "IS NULL",
            Operator::IsNotNull => "IS NOT NULL",
            Operator::RegexMatch => "REGEX MATCH",
            Operator::NotRegexMatch => "NOT REGEX MATCH",
            Operator::Unknown(s) => s,
        }
    }

    /// Operators that look at the attribute alone and take no operand.
    pub fn is_unary(&self) -> bool {
        matches!(
            self,
            Operator::IsTrue | Operator::IsFalse | Operator::IsNull | Operator::IsNotNull
        )
    }

    /// Operators that compare integers on both sides.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            Operator::BitAnd
                | Operator::NotBitAnd
                | Operator::GreaterThan
                | Operator::GreaterThanOrEquals
        )
    }

    pub fn is_regex(&self) -> bool {
        matches!(self, Operator::RegexMatch | Operator::NotRegexMatch)
    }

    /// The IS NULL family is the only one that is true on a null or empty attribute.
    pub fn handles_null(&self) -> bool {
        matches!(self, Operator::IsNull | Operator::IsNotNull)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Operator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_normalise_to_the_same_operator() {
        for s in [
            "NOT EQUALS",
            "NOT_EQUALS",
            "Not Equals",
            "notequals",
            " not-equals ",
        ] {
            assert_eq!(Operator::parse(s), Operator::NotEquals, "{s}");
        }
        for s in [
            "Greater_Than_OR_EQUALS",
            "GREATER THAN OR EQUALS",
            "greaterthanorequals",
        ] {
            assert_eq!(Operator::parse(s), Operator::GreaterThanOrEquals, "{s}");
        }
        for s in ["REGEX MATCH", "regex_match", "RegexMatch"] {
            assert_eq!(Operator::parse(s), Operator::RegexMatch, "{s}");
        }
        assert_eq!(Operator::parse("ends_with"), Operator::EndsWith);
        assert_eq!(Operator::parse("IS NOT NULL"), Operator::IsNotNull);
        assert_eq!(Operator::parse("&"), Operator::BitAnd);
        assert_eq!(Operator::parse("!&"), Operator::NotBitAnd);
    }

    #[test]
    fn every_documented_operator_round_trips_through_its_portal_name() {
        for op in Operator::DOCUMENTED {
            assert_eq!(Operator::parse(op.name()), op);
        }
    }

    #[test]
    fn undocumented_portal_operators_stay_unknown() {
        for s in ["Present", "Valid Cert Match", "IsMemberOf", "contains"] {
            assert_eq!(Operator::parse(s), Operator::Unknown(s.to_string()));
        }
    }
}
