//! The counts published together and the equations between them, and the choice of which to
//! suppress (see the module comment in `mod.rs` for what the choice guarantees).

use super::bounds::{self, Range};
use super::linear;

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
        self.equations.iter().all(|e| {
            self.count[e.total] == e.parts.iter().map(|&p| self.count[p]).sum::<u64>()
        })
    }

    /// The values each node could take for someone who sees the published counts that are
    /// not `suppressed`, as far as bounds propagation can tell.
    pub fn ranges(&self, suppressed: &[bool]) -> Vec<Range> {
        let known = self.shown(suppressed);
        bounds::propagate(self, &known, &self.floors(suppressed))
    }

    /// The nodes not shown whose count can be worked out exactly from what is shown, by
    /// bounds or by any linear combination of equations.
    pub fn pinned(&self, suppressed: &[bool]) -> Vec<bool> {
        let shown = self.shown(suppressed);
        let floors = self.floors(suppressed);
        let mut known = shown.clone();
        // Each round can only add known nodes; a handful of rounds reach the fixpoint.
        for _ in 0..=self.len() {
            let mut grew = false;
            let ranges = bounds::propagate(self, &known, &floors);
            for (i, r) in ranges.iter().enumerate() {
                if !known[i] && r.is_point() {
                    known[i] = true;
                    grew = true;
                }
            }
            let unknown: Vec<bool> = known.iter().map(|k| !k).collect();
            for (i, d) in linear::determined(self.len(), &unknown, &self.equations)
                .into_iter()
                .enumerate()
            {
                if d && !known[i] {
                    known[i] = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        (0..self.len()).map(|i| known[i] && !shown[i]).collect()
    }

    /// Which nodes to suppress at threshold `k`: every published count from 1 to k − 1, then
    /// complements until no count from 1 to k − 1 and no suppressed count can be worked out.
    /// Zeros are never suppressed. Unpublished nodes are never marked.
    pub fn protect(&self, k: u64) -> Vec<bool> {
        let n = self.len();
        let sensitive = |i: usize| self.count[i] > 0 && self.count[i] < k;
        let mut suppressed: Vec<bool> = (0..n).map(|i| self.published[i] && sensitive(i)).collect();
        // Each round suppresses at least one more non-zero node, or stops.
        for _ in 0..=n {
            let pinned = self.pinned(&suppressed);
            let bad: Vec<usize> = (0..n)
                .filter(|&i| pinned[i] && (sensitive(i) || suppressed[i]))
                .collect();
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
        // Nothing left to hide that would help: publish no non-zero count at all.
        (0..n).map(|i| self.published[i] && self.count[i] > 0).collect()
    }

    /// Published counts as the attacker reads them.
    fn shown(&self, suppressed: &[bool]) -> Vec<bool> {
        (0..self.len())
            .map(|i| self.published[i] && !suppressed.get(i).copied().unwrap_or(false))
            .collect()
    }

    /// What the attacker knows of each hidden count: a suppressed one is at least 1.
    fn floors(&self, suppressed: &[bool]) -> Vec<u64> {
        (0..self.len())
            .map(|i| {
                let hidden = self.published[i] && suppressed.get(i).copied().unwrap_or(false);
                u64::from(hidden && self.count[i] > 0)
            })
            .collect()
    }

    /// A published, shown, non-zero node to hide so that `pinned` gains freedom: the smallest
    /// in the equations nearest to it (breadth first through hidden nodes).
    fn complement(&self, pinned: usize, suppressed: &[bool]) -> Option<usize> {
        let candidate = |j: usize| self.published[j] && !suppressed[j] && self.count[j] > 0;
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
                            let better = best.is_none_or(|b| (self.count[j], j) < (self.count[b], b));
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
