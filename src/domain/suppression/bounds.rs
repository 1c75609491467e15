//! Bounds propagation: the interval of values each count could take, given the published
//! counts, the equations and what is known of hidden counts (at least 0, or at least 1 for a
//! suppressed one, as zeros are published). Sound: the true count is always inside. Exact on
//! a single tree; on a system of several it finds what chains of single equations give away,
//! while `linear.rs` finds what combinations of equations give away.

use super::system::System;

/// The values a node could hold, as an attacker can work them out. `hi: None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub lo: u64,
    pub hi: Option<u64>,
}

impl Range {
    fn exact(v: u64) -> Range {
        Range { lo: v, hi: Some(v) }
    }

    /// Whether only one value is possible.
    pub fn is_point(self) -> bool {
        self.hi.is_some_and(|h| h <= self.lo)
    }
}

/// How many times, at most, each equation is looked at again after one of its nodes changed.
/// Intervals can shrink one unit at a time around a cycle; past this the propagation stops
/// early, which can only miss a pin, never invent one (`linear.rs` does not depend on it).
const SWEEPS: usize = 64;

/// Ranges for every node, where the nodes `known` (published, or worked out already) are
/// exact and the others are at least their floor.
pub(super) fn propagate(sys: &System, known: &[bool], floors: &[u64]) -> Vec<Range> {
    let n = sys.len();
    let mut range: Vec<Range> = (0..n)
        .map(|i| {
            if known.get(i).copied().unwrap_or(false) {
                Range::exact(sys.count(i))
            } else {
                Range {
                    lo: floors.get(i).copied().unwrap_or(0),
                    hi: None,
                }
            }
        })
        .collect();
    let equations = sys.equations();
    let mut of_node: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e, eq) in equations.iter().enumerate() {
        for node in eq.nodes() {
            of_node[node].push(e);
        }
    }
    let mut queued = vec![true; equations.len()];
    let mut queue: std::collections::VecDeque<usize> = (0..equations.len()).collect();
    let mut budget = SWEEPS.saturating_mul(equations.len().max(1));
    while let Some(e) = queue.pop_front() {
        queued[e] = false;
        if budget == 0 {
            break;
        }
        budget -= 1;
        for changed in tighten(&equations[e], &mut range) {
            for &other in &of_node[changed] {
                if !queued[other] {
                    queued[other] = true;
                    queue.push_back(other);
                }
            }
        }
    }
    range
}

/// Applies `total = Σ parts` to the ranges; returns the nodes whose range narrowed.
fn tighten(eq: &super::Equation, range: &mut [Range]) -> Vec<usize> {
    let mut changed = Vec::new();
    let sum_lo: u64 = eq.parts.iter().map(|&p| range[p].lo).sum();
    let unbounded = eq.parts.iter().filter(|&&p| range[p].hi.is_none()).count();
    let sum_hi: u64 = eq.parts.iter().filter_map(|&p| range[p].hi).sum();
    // The total lies between the sums of its parts' bounds.
    let total = range[eq.total];
    let hi = if unbounded == 0 { Some(sum_hi) } else { None };
    let narrowed = narrow(total, sum_lo, hi);
    if narrowed != total {
        range[eq.total] = narrowed;
        changed.push(eq.total);
    }
    let total = range[eq.total];
    // Each part lies between the total less the others' upper and lower bounds.
    for &p in &eq.parts {
        let r = range[p];
        let others_lo = sum_lo - r.lo;
        let others_hi = match r.hi {
            Some(h) if unbounded == 0 => Some(sum_hi - h),
            None if unbounded == 1 => Some(sum_hi),
            _ => None,
        };
        let lo = others_hi.map_or(0, |oh| total.lo.saturating_sub(oh));
        let hi = total.hi.map(|h| h.saturating_sub(others_lo));
        let narrowed = narrow(r, lo, hi);
        if narrowed != r {
            range[p] = narrowed;
            changed.push(p);
        }
    }
    changed
}

fn narrow(r: Range, lo: u64, hi: Option<u64>) -> Range {
    let hi = match (r.hi, hi) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    };
    Range {
        lo: r.lo.max(lo),
        hi,
    }
}
