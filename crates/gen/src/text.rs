//! Filler text with the length spread of real prompts and responses.

use crate::rng::Rng;

const WORDS: &[&str] = &[
    "the", "model", "answer", "revenue", "growth", "quarter", "function", "returns", "list",
    "value", "because", "data", "shows", "increase", "customer", "policy", "risk", "summary",
    "explain", "step", "first", "then", "finally", "result", "error", "check", "source", "claim",
    "evidence", "report", "patient", "dose", "contract", "clause", "travel", "route", "price",
    "order", "refund", "lesson", "theorem", "proof", "integral", "python", "rust", "query",
    "table", "users", "support", "safety", "é", "naïve", "über", "東京", "données",
];

pub(crate) fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let word = WORDS[rng.below(WORDS.len())];
        s.push_str(word);
    }
    s.push('.');
    s
}

/// Between `min` and `max` words, most of them short, a few long.
pub(crate) fn paragraph(rng: &mut Rng, min: usize, max: usize) -> String {
    let span = (max - min) as f64;
    let words = min + (span * rng.unit() * rng.unit()) as usize;
    let mut out = String::new();
    let mut left = words;
    while left > 0 {
        let n = left.min(6 + rng.below(14));
        if !out.is_empty() {
            out.push_str(if rng.chance(0.15) { "\n\n" } else { " " });
        }
        out.push_str(&sentence(rng, n));
        left -= n;
    }
    out
}
