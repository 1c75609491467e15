//! The search for witnesses along the null space of the hidden counts, where no proposed
//! move was one: a direction of the reduced system that moves the node, repaired greedily
//! with other directions where it takes a count below zero. Checked exactly in integers.

use super::linear::Reduced;
use super::system::System;
use rustc_hash::FxHashMap;

/// How many free columns a hidden node's witness is looked for along.
const WITNESS_TRIES: usize = 64;

/// How many directions a witness may combine beyond its first.
const REPAIRS: usize = 8;

/// The search for witnesses: a move `z` of the hidden counts along the null space (so every
/// equation still holds with the shown counts unchanged) that changes node `i` and keeps every
/// count at zero or above.
pub(super) struct Witness<'a> {
    sys: &'a System,
    reduced: &'a Reduced,
    /// Directions checked once each: Some(direction) when it is exact in integers.
    checked: FxHashMap<usize, Option<Vec<(usize, i64)>>>,
}

impl<'a> Witness<'a> {
    pub(super) fn new(sys: &'a System, reduced: &'a Reduced) -> Self {
        Witness {
            sys,
            reduced,
            checked: FxHashMap::default(),
        }
    }

    fn direction(&mut self, free: usize) -> Option<Vec<(usize, i64)>> {
        let (sys, reduced) = (self.sys, self.reduced);
        self.checked
            .entry(free)
            .or_insert_with(|| reduced.direction(free).filter(|d| sys.in_null_space(d)))
            .clone()
    }

    /// How far the counts moved by `z` fall below zero.
    fn shortfall(&self, z: &FxHashMap<usize, i64>) -> i128 {
        z.iter()
            .map(|(&c, &dz)| self.sys.excess(c, i128::from(dz)))
            .sum()
    }

    /// Whether a witness for node `i` exists: a direction that moves it, one way or the
    /// other, repaired greedily with other directions where it takes a count below zero.
    pub(super) fn exists(&mut self, i: usize) -> bool {
        for f in self.reduced.freedoms(i).into_iter().take(WITNESS_TRIES) {
            let Some(dir) = self.direction(f) else {
                continue;
            };
            for sign in [1i64, -1] {
                let mut z: FxHashMap<usize, i64> =
                    dir.iter().map(|&(c, d)| (c, sign * d)).collect();
                if z.get(&i).copied().unwrap_or(0) != 0 && self.repair(i, &mut z) {
                    return true;
                }
            }
        }
        false
    }

    /// Adds directions to `z` that raise a count left below zero, while `i` still moves.
    fn repair(&mut self, i: usize, z: &mut FxHashMap<usize, i64>) -> bool {
        for _ in 0..=REPAIRS {
            let short = self.shortfall(z);
            if short == 0 {
                return true;
            }
            let Some(low) = z
                .iter()
                .find(|&(&c, &dz)| !self.sys.admits(c, i128::from(dz)))
                .map(|(&c, _)| c)
            else {
                return true;
            };
            // Directions that move `low`, signed so that they raise it.
            let mut best: Option<(i128, FxHashMap<usize, i64>)> = None;
            for f in self.reduced.freedoms(low).into_iter().take(WITNESS_TRIES) {
                let Some(dir) = self.direction(f) else {
                    continue;
                };
                let Some(&(_, at_low)) = dir.iter().find(|&&(c, _)| c == low) else {
                    continue;
                };
                let sign = at_low.signum();
                let mut next = z.clone();
                for &(c, d) in &dir {
                    *next.entry(c).or_default() += sign * d;
                }
                if next.get(&i).copied().unwrap_or(0) == 0 {
                    continue;
                }
                let s = self.shortfall(&next);
                if s < short && best.as_ref().is_none_or(|(b, _)| s < *b) {
                    best = Some((s, next));
                }
            }
            match best {
                Some((_, next)) => *z = next,
                None => return false,
            }
        }
        self.shortfall(z) == 0
    }
}
