//! The counts published together and the equations between them, and the choice of which to
//! suppress (see the module comment in `mod.rs` for what the choice guarantees).

use super::linear::Reduced;
use std::collections::{HashMap, HashSet};

/// `total = Σ parts`, over node indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub total: usize,
    pub parts: Vec<usize>,
}

impl Equation {
    /// The total, then the parts.
    pub fn nodes(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// Counts and the equations between them. A node is published (shown unless suppressed) or
/// not (an aggregate no product shows, which still must not be worked out when it is small).
#[derive(Debug, Clone, Default)]
pub struct System {
    count: Vec<u64>,
    published: Vec<bool>,
    equations: Vec<Equation>,
    /// The equations each node is in.
    of_node: Vec<Vec<usize>>,
}

/// How many free columns a hidden node's witness is looked for along.
const WITNESS_TRIES: usize = 64;

/// How far `complement` looks for a published cell to hide, in equations from the pinned one.
const SEARCH_DEPTH: usize = 4;

impl System {
    pub fn new() -> Self {
        System::default()
    }

    /// Adds a node with its true count.
    pub fn node(&mut self, count: u64, published: bool) -> usize {
        self.count.push(count);
        self.published.push(published);
        self.of_node.push(Vec::new());
        self.count.len() - 1
    }

    /// Marks a node published.
    pub fn publish(&mut self, node: usize) {
        if let Some(p) = self.published.get_mut(node) {
            *p = true;
        }
    }

    /// Adds `total = Σ parts`. An equation naming an unknown node, or with no parts, is left
    /// out (never a panic).
    pub fn equation(&mut self, total: usize, parts: Vec<usize>) {
        let n = self.len();
        let mut sorted = parts.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let repeated = sorted.len() != parts.len();
        if repeated || parts.is_empty() || total >= n || parts.iter().any(|&p| p >= n || p == total)
        {
            return;
        }
        let id = self.equations.len();
        let eq = Equation { total, parts };
        for node in eq.nodes() {
            if self.of_node[node].last() != Some(&id) {
                self.of_node[node].push(id);
            }
        }
        self.equations.push(eq);
    }

    pub fn len(&self) -> usize {
        self.count.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count.is_empty()
    }

    pub fn count(&self, node: usize) -> u64 {
        self.count.get(node).copied().unwrap_or(0)
    }

    pub fn is_published(&self, node: usize) -> bool {
        self.published.get(node).copied().unwrap_or(false)
    }

    pub fn equations(&self) -> &[Equation] {
        &self.equations
    }

    /// Whether every equation holds for the true counts (a check for builders and tests).
    pub fn is_consistent(&self) -> bool {
        self.equations
            .iter()
            .all(|e| self.count[e.total] == e.parts.iter().map(|&p| self.count[p]).sum::<u64>())
    }

    /// The hidden nodes for which no witness was found: another data set of non-negative
    /// counts, differing in that node, that agrees with every shown count and every equation.
    /// A node without a witness may be pinned; one with a witness certainly is not.
    pub fn pinned(&self, suppressed: &[bool]) -> Vec<bool> {
        self.unwitnessed(suppressed, |_| true)
    }

    fn unwitnessed(&self, suppressed: &[bool], needs: impl Fn(usize) -> bool) -> Vec<bool> {
        let n = self.len();
        let shown = self.shown(suppressed);
        let hidden: Vec<bool> = shown.iter().map(|s| !s).collect();
        let reduced = Reduced::new(n, &hidden, &self.equations);
        let mut search = Witness {
            sys: self,
            reduced: &reduced,
            checked: HashMap::new(),
        };
        let mut out = vec![false; n];
        for i in (0..n).filter(|&i| hidden[i] && needs(i)) {
            out[i] = reduced.determined(i) || !search.exists(i);
        }
        out
    }

    /// Whether moving the counts along `dir` keeps every equation (exact, in integers).
    fn in_null_space(&self, dir: &[(usize, i64)]) -> bool {
        let z: HashMap<usize, i64> = dir.iter().copied().collect();
        let at = |node: usize| z.get(&node).copied().unwrap_or(0);
        let mut seen = HashSet::new();
        dir.iter()
            .flat_map(|&(node, _)| self.of_node[node].iter().copied())
            .filter(|&e| seen.insert(e))
            .all(|e| {
                let eq = &self.equations[e];
                at(eq.total) == eq.parts.iter().map(|&p| at(p)).sum::<i64>()
            })
    }

    /// Which nodes to suppress at threshold `k`: every published count from 1 to k − 1, then
    /// complements until every count from 1 to k − 1 and every suppressed count has a witness.
    /// A zero may be suppressed as a complement, so a suppressed count is anything below k,
    /// 0 included, and the attacker can assume no more. Unpublished nodes are never marked.
    pub fn protect(&self, k: u64) -> Vec<bool> {
        let n = self.len();
        let sensitive = |i: usize| self.count[i] > 0 && self.count[i] < k;
        let mut suppressed: Vec<bool> = (0..n).map(|i| self.published[i] && sensitive(i)).collect();
        // Each round suppresses at least one more non-zero node, or stops.
        for _ in 0..=n {
            let pinned = self.unwitnessed(&suppressed, |i| sensitive(i) || suppressed[i]);
            let bad: Vec<usize> = (0..n).filter(|&i| pinned[i]).collect();
            if bad.is_empty() {
                return suppressed;
            }
            // One complement per equation per round: the next audit sees whether it sufficed.
            let mut touched = vec![false; self.equations.len()];
            let mut grew = false;
            for b in bad {
                if self.of_node[b].iter().any(|&e| touched[e]) {
                    continue;
                }
                if let Some(j) = self.complement(b, &suppressed) {
                    suppressed[j] = true;
                    for &e in &self.of_node[j] {
                        touched[e] = true;
                    }
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        // Nothing left to hide that would help: publish no count at all.
        (0..n).map(|i| self.published[i]).collect()
    }

    /// Published counts as the attacker reads them.
    fn shown(&self, suppressed: &[bool]) -> Vec<bool> {
        (0..self.len())
            .map(|i| self.published[i] && !suppressed.get(i).copied().unwrap_or(false))
            .collect()
    }

    /// A published, shown node to hide so that `pinned` gains freedom: the smallest in the
    /// equations nearest to it (breadth first through hidden nodes). A zero is the cheapest:
    /// hiding it costs the reader nothing but the difference between 0 and "<k".
    fn complement(&self, pinned: usize, suppressed: &[bool]) -> Option<usize> {
        let candidate = |j: usize| self.published[j] && !suppressed[j];
        let mut seen_node = vec![false; self.len()];
        let mut seen_eq = vec![false; self.equations.len()];
        seen_node[pinned] = true;
        let mut frontier = vec![pinned];
        for _ in 0..SEARCH_DEPTH {
            let mut best: Option<usize> = None;
            let mut next = Vec::new();
            for &node in &frontier {
                for &e in &self.of_node[node] {
                    if std::mem::replace(&mut seen_eq[e], true) {
                        continue;
                    }
                    for j in self.equations[e].nodes() {
                        if candidate(j) {
                            let better =
                                best.is_none_or(|b| (self.count[j], j) < (self.count[b], b));
                            if better {
                                best = Some(j);
                            }
                        } else if !std::mem::replace(&mut seen_node[j], true) {
                            next.push(j);
                        }
                    }
                }
            }
            if best.is_some() {
                return best;
            }
            frontier = next;
        }
        None
    }
}

/// How many directions a witness may combine beyond its first.
const REPAIRS: usize = 8;

/// The search for witnesses: a move `z` of the hidden counts along the null space (so every
/// equation still holds with the shown counts unchanged) that changes node `i` and keeps every
/// count at zero or above.
struct Witness<'a> {
    sys: &'a System,
    reduced: &'a Reduced,
    /// Directions checked once each: Some(direction) when it is exact in integers.
    checked: HashMap<usize, Option<Vec<(usize, i64)>>>,
}

impl Witness<'_> {
    fn direction(&mut self, free: usize) -> Option<Vec<(usize, i64)>> {
        let (sys, reduced) = (self.sys, self.reduced);
        self.checked
            .entry(free)
            .or_insert_with(|| reduced.direction(free).filter(|d| sys.in_null_space(d)))
            .clone()
    }

    /// How far the counts moved by `z` fall below zero.
    fn shortfall(&self, z: &HashMap<usize, i64>) -> i128 {
        z.iter()
            .map(|(&c, &dz)| {
                let moved = i128::from(self.sys.count[c]) + i128::from(dz);
                (-moved).max(0)
            })
            .sum()
    }

    /// Whether a witness for node `i` exists: a direction that moves it, one way or the
    /// other, repaired greedily with other directions where it takes a count below zero.
    fn exists(&mut self, i: usize) -> bool {
        for f in self.reduced.freedoms(i).into_iter().take(WITNESS_TRIES) {
            let Some(dir) = self.direction(f) else {
                continue;
            };
            for sign in [1i64, -1] {
                let mut z: HashMap<usize, i64> = dir.iter().map(|&(c, d)| (c, sign * d)).collect();
                if z.get(&i).copied().unwrap_or(0) != 0 && self.repair(i, &mut z) {
                    return true;
                }
            }
        }
        false
    }

    /// Adds directions to `z` that raise a count left below zero, while `i` still moves.
    fn repair(&mut self, i: usize, z: &mut HashMap<usize, i64>) -> bool {
        for _ in 0..=REPAIRS {
            let short = self.shortfall(z);
            if short == 0 {
                return true;
            }
            let Some(low) = z
                .iter()
                .find(|&(&c, &dz)| i128::from(self.sys.count[c]) + i128::from(dz) < 0)
                .map(|(&c, _)| c)
            else {
                return true;
            };
            // Directions that move `low`, signed so that they raise it.
            let mut best: Option<(i128, HashMap<usize, i64>)> = None;
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
