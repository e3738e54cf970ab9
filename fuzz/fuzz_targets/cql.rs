//! CQL from arbitrary input: parsing and planning never panic or overflow the stack, whatever the
//! nesting, the clause count or the time functions' arguments; what parses stays within the bounds
//! the parser promises.

#![no_main]

use cairn_search::cql::{self, Expr, MAX_CLAUSES, MAX_NESTING};
use cairn_search::plan::{PlanContext, plan};
use libfuzzer_sys::fuzz_target;

/// Clauses and height of a parsed expression (every AND, OR and NOT is a level).
fn shape(expr: &Expr) -> (usize, usize) {
    match expr {
        Expr::And(left, right) | Expr::Or(left, right) => {
            let (left_clauses, left_height) = shape(left);
            let (right_clauses, right_height) = shape(right);
            (left_clauses + right_clauses, 1 + left_height.max(right_height))
        }
        Expr::Not(inner) => {
            let (clauses, height) = shape(inner);
            (clauses, 1 + height)
        }
        Expr::Clause { .. } | Expr::In { .. } => (1, 0),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = cql::parse(text) else {
        return;
    };
    if let Some(filter) = &query.filter {
        let (clauses, height) = shape(filter);
        assert!(clauses <= MAX_CLAUSES, "{clauses} clauses parsed");
        // Every walk of the tree recurses at most this deep: a chain of clauses, plus one NOT per
        // nesting level and one `AND NOT` per parenthesis.
        let most = MAX_CLAUSES + 2 * (MAX_NESTING + 1);
        assert!(height <= most, "a tree {height} high");
    }
    for now_ms in [0, 1_700_000_000_000, 253_402_300_799_000] {
        let context = PlanContext {
            current_user: "fuzz",
            now_ms,
        };
        let _ = plan(&query, &context);
    }
});
