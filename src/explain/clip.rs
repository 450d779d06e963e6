//! Clipping of the tenant values an `explain-user` trace carries: every format prints them
//! cut with their length, as reports do; the snapshot and the inputs keep them whole.

use super::{Trace, MAX_SENTENCE_CHARS};

impl Trace {
    /// Clips every tenant value the trace carries (IdP export attributes, scoping clauses,
    /// lookups, mapped values, provisioning-log lines) as reports clip theirs
    /// (`util::clip_value`), and the sentences quoting them to `MAX_SENTENCE_CHARS`, so
    /// every format prints them clipped with their length. The snapshot and the inputs keep
    /// them whole.
    pub(super) fn clip_values(&mut self) {
        use crate::util::{clip_in_place, MAX_SHOWN_CHARS as V};
        let value = |s: &mut String| clip_in_place(s, V);
        let opt = |o: &mut Option<String>| {
            if let Some(s) = o {
                clip_in_place(s, V)
            }
        };
        let sentence = |s: &mut String| clip_in_place(s, MAX_SENTENCE_CHARS);
        value(&mut self.query);
        for w in &mut self.warnings {
            sentence(w);
        }
        sentence(&mut self.import.summary);
        for (name, v) in &mut self.import.attributes {
            value(name);
            value(v);
        }
        sentence(&mut self.scope.summary);
        for g in &mut self.scope.groups {
            value(&mut g.name);
            for c in &mut g.clauses {
                value(&mut c.attribute);
                value(&mut c.expected);
                opt(&mut c.seen);
                sentence(&mut c.verdict);
            }
        }
        sentence(&mut self.matching.summary);
        opt(&mut self.matching.matched_id);
        opt(&mut self.matching.expected_id);
        for q in &mut self.matching.queries {
            value(&mut q.value);
            sentence(&mut q.filter);
            if let Some(p) = &mut q.problem {
                sentence(p);
            }
            for r in &mut q.results {
                value(&mut r.id);
                opt(&mut r.user_name);
                opt(&mut r.external_id);
            }
        }
        sentence(&mut self.target.summary);
        sentence(&mut self.logs.summary);
        for l in &mut self.logs.entries {
            for f in [
                &mut l.at,
                &mut l.action,
                &mut l.error_code,
                &mut l.known_code,
                &mut l.change_id,
            ] {
                opt(f);
            }
            for s in [&mut l.reason, &mut l.skip_reason, &mut l.failed_step]
                .into_iter()
                .flatten()
            {
                sentence(s);
            }
        }
        sentence(&mut self.mapping.summary);
        for m in &mut self.mapping.values {
            value(&mut m.target);
            value(&mut m.source);
            opt(&mut m.value);
            if let Some(n) = &mut m.note {
                sentence(n);
            }
        }
        for m in &mut self.mapping.matching {
            value(&mut m.target);
            opt(&mut m.value);
            for x in &mut m.matches {
                value(x);
            }
        }
        opt(&mut self.mapping.would_match);
        for x in &mut self.mapping.missing_required {
            value(x);
        }
    }
}
