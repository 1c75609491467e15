//! The counts published together and the equations between them, and the choice of which to
//! suppress (see the module comment in `mod.rs` for what the choice guarantees).

use super::linear::Reduced;
use super::proposals::Proposals;
use super::witness::Witness;

/// A way the data could differ: a change per node, in whole counts.
pub type Move = Vec<(usize, i64)>;

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
    /// What anyone knows of each count besides the equations: at least `lo`, at most `hi`
    /// (a school listed on its own has at least k tips; a place holds at most its schools).
    lo: Vec<u64>,
    hi: Vec<Option<u64>>,
    /// Counts published exactly whatever their size, or worked out from those (`disclose`,
    /// `known`): never suppressed, needing no witness, and kept by every witness.
    exact: Vec<bool>,
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
        self.lo.push(0);
        self.hi.push(None);
        self.exact.push(false);
        self.of_node.push(Vec::new());
        self.count.len() - 1
    }

    /// Records what is publicly known of a node's count: at least `lo`, at most `hi`.
    /// Witnesses stay within it. A bound the true count breaks is ignored.
    pub fn bound(&mut self, node: usize, lo: u64, hi: Option<u64>) {
        let Some(&count) = self.count.get(node) else {
            return;
        };
        if lo <= count && hi.is_none_or(|h| count <= h) {
            self.lo[node] = lo;
            self.hi[node] = hi;
        }
    }

    /// Publishes a node exactly, whatever its size: a count that is not about people (schools
    /// with a case in a former district, say) and that the plan needs exact. It is never
    /// suppressed and needs no witness; as a published count, every witness keeps it, so no
    /// other count can be worked out through it.
    pub fn disclose(&mut self, node: usize) {
        if node < self.len() {
            self.published[node] = true;
            self.exact[node] = true;
        }
    }

    /// Marks an unpublished node as known to the reader: one that disclosed counts determine
    /// (schools with a case in both halves of a province, when both halves and the year are
    /// disclosed). It needs no witness, and every witness keeps it.
    pub fn known(&mut self, node: usize) {
        if let Some(e) = self.exact.get_mut(node) {
            *e = true;
        }
    }

    /// What is publicly known of a node's count besides the equations: at least, at most.
    pub(super) fn bounds(&self, node: usize) -> (u64, Option<u64>) {
        let lo = self.lo.get(node).copied().unwrap_or(0);
        (lo, self.hi.get(node).copied().flatten())
    }

    /// Whether the node is disclosed or known exactly.
    pub fn is_exact(&self, node: usize) -> bool {
        self.exact.get(node).copied().unwrap_or(false)
    }

    /// Whether `count + d` stays within what is known of node `c`.
    pub(super) fn admits(&self, c: usize, d: i128) -> bool {
        if self.is_exact(c) {
            return d == 0;
        }
        let moved = i128::from(self.count(c)) + d;
        let lo = self.lo.get(c).copied().unwrap_or(0);
        let hi = self.hi.get(c).copied().flatten();
        moved >= i128::from(lo) && hi.is_none_or(|h| moved <= i128::from(h))
    }

    /// How far `count + d` falls outside what is known of node `c`.
    pub(super) fn excess(&self, c: usize, d: i128) -> i128 {
        if self.is_exact(c) {
            return d.abs();
        }
        let moved = i128::from(self.count(c)) + d;
        let lo = i128::from(self.lo.get(c).copied().unwrap_or(0));
        let hi = self.hi.get(c).copied().flatten().map(i128::from);
        (lo - moved).max(0) + hi.map_or(0, |h| (moved - h).max(0))
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
        let none = |_: usize, _: bool| Vec::new();
        let mut witnessed = vec![false; self.len()];
        let proposals = Proposals::new(self, &none);
        self.unwitnessed(suppressed, |_| true, &proposals, &mut witnessed)
    }

    pub(super) fn unwitnessed(
        &self,
        suppressed: &[bool],
        needs: impl Fn(usize) -> bool,
        moves: &Proposals<'_>,
        witnessed: &mut [bool],
    ) -> Vec<bool> {
        let n = self.len();
        let shown = self.shown(suppressed);
        let hidden: Vec<bool> = shown.iter().map(|s| !s).collect();
        let mut out = vec![false; n];
        // A witness stays one as more is hidden, and a move that is a witness for one node is
        // one for every node it changes: each is found once.
        let mut rest = Vec::new();
        for i in 0..n {
            if !hidden[i] || !needs(i) || witnessed[i] {
                continue;
            }
            match moves.find(i, |m| m.iter().all(|&(c, _)| hidden[c])) {
                Some(m) => m.iter().for_each(|&(c, _)| witnessed[c] = true),
                None => rest.push(i),
            }
        }
        // A node with a proposed witness that only waits for counts to be hidden is settled
        // by hiding them (`protect_with`), not by a search.
        let (waiting, rest): (Vec<usize>, Vec<usize>) = rest
            .into_iter()
            .partition(|&i| moves.find(i, |_| true).is_some());
        for i in waiting {
            out[i] = true;
        }
        if rest.is_empty() {
            return out;
        }
        let reduced = Reduced::new(n, &hidden, &self.equations);
        let mut search = Witness::new(self, &reduced);
        for i in rest {
            out[i] = reduced.determined(i) || !search.exists(i);
            witnessed[i] = !out[i];
        }
        out
    }

    /// Whether `z` moves node `i`, keeps every equation, and leaves every count at zero or
    /// above one way or the other: the data moved along it is a witness for `i`.
    pub(super) fn is_witness(&self, z: &[(usize, i64)], i: usize) -> bool {
        let moves_i = z.iter().any(|&(c, d)| c == i && d != 0);
        let feasible = [1i128, -1]
            .into_iter()
            .any(|sign| z.iter().all(|&(c, d)| self.admits(c, sign * i128::from(d))));
        moves_i && feasible && self.in_null_space(z)
    }

    /// Whether moving the counts along `dir` keeps every equation (exact, in integers).
    pub(super) fn in_null_space(&self, dir: &[(usize, i64)]) -> bool {
        let mut z = dir.to_vec();
        z.sort_unstable_by_key(|&(n, _)| n);
        let at = |node: usize| {
            z.binary_search_by_key(&node, |&(n, _)| n)
                .map_or(0, |i| z[i].1)
        };
        let mut eqs: Vec<usize> = dir
            .iter()
            .flat_map(|&(node, _)| self.of_node[node].iter().copied())
            .collect();
        eqs.sort_unstable();
        eqs.dedup();
        eqs.into_iter().all(|e| {
            let eq = &self.equations[e];
            at(eq.total) == eq.parts.iter().map(|&p| at(p)).sum::<i64>()
        })
    }

    /// Which nodes to suppress at threshold `k`: every published count from 1 to k − 1, then
    /// complements until every count from 1 to k − 1 and every suppressed count has a witness.
    /// A zero may be suppressed as a complement, so a suppressed count is anything below k,
    /// 0 included, and the attacker can assume no more. Unpublished nodes are never marked.
    pub fn protect(&self, k: u64) -> Vec<bool> {
        self.protect_with(k, &|_, _| Vec::new())
    }

    /// As `protect`, with `moves(node, wide)` proposing ways the data could differ in that
    /// node (say, one tip in another commune), a few at first and more when `wide`: the cheapest one that is a witness is made one by
    /// hiding the published counts it changes. Proposals are checked here; a wrong one is
    /// ignored, never trusted.
    pub fn protect_with(&self, k: u64, moves: &dyn Fn(usize, bool) -> Vec<Move>) -> Vec<bool> {
        let moves = Proposals::new(self, moves);
        let moves = &moves;
        let n = self.len();
        let small = |i: usize| self.count[i] > 0 && self.count[i] < k;
        // Small counts that the exact ones give away whatever is hidden: still hidden, but no
        // complement can help them (`exact.rs`).
        let forced = self.forced_by_exact(k);
        let sensitive = |i: usize| !self.exact[i] && !forced[i] && small(i);
        let mut suppressed: Vec<bool> = (0..n)
            .map(|i| self.published[i] && !self.exact[i] && small(i))
            .collect();
        let mut witnessed = vec![false; n];
        // Each round suppresses at least one more node, or stops.
        for _ in 0..=n {
            let needs = |i: usize| !forced[i] && (sensitive(i) || suppressed[i]);
            let pinned = self.unwitnessed(&suppressed, needs, moves, &mut witnessed);
            let bad: Vec<usize> = (0..n).filter(|&i| pinned[i]).collect();
            if bad.is_empty() {
                return suppressed;
            }
            // One complement per equation per round: the next audit sees whether it sufficed.
            let mut touched = vec![false; self.equations.len()];
            let mut grew = false;
            for &b in &bad {
                if witnessed[b] || self.of_node[b].iter().any(|&e| touched[e]) {
                    continue;
                }
                let hide = match self.cheapest_move(b, &suppressed, moves) {
                    Some((nodes, m)) => {
                        m.iter().for_each(|&(c, _)| witnessed[c] = true);
                        nodes
                    }
                    None => self.complement(b, &suppressed).into_iter().collect(),
                };
                for j in hide {
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
        // Nothing left to hide that would help: publish no count at all but the exact ones.
        (0..n)
            .map(|i| self.published[i] && !self.exact[i])
            .collect()
    }

    /// The shown nodes to hide so that the cheapest proposed move for `b` becomes a witness:
    /// cheapest by the counts it hides (a zero costs least).
    fn cheapest_move(
        &self,
        b: usize,
        suppressed: &[bool],
        moves: &Proposals<'_>,
    ) -> Option<(Vec<usize>, Move)> {
        let shown = |j: usize| self.published[j] && !suppressed[j];
        let hide =
            |m: &Move| -> Vec<usize> { m.iter().map(|&(c, _)| c).filter(|&c| shown(c)).collect() };
        let cost = |m: &Move| -> u64 { hide(m).iter().map(|&c| self.count[c] + 1).sum() };
        moves.cheapest(b, cost).map(|m| (hide(&m), m))
    }

    /// Counts as the attacker reads them: published and not suppressed, or known exactly.
    fn shown(&self, suppressed: &[bool]) -> Vec<bool> {
        (0..self.len())
            .map(|i| {
                self.exact[i] || (self.published[i] && !suppressed.get(i).copied().unwrap_or(false))
            })
            .collect()
    }

    /// A published, shown node to hide so that `pinned` gains freedom: the smallest in the
    /// equations nearest to it (breadth first through hidden nodes). A zero is the cheapest:
    /// hiding it costs the reader nothing but the difference between 0 and "<k".
    fn complement(&self, pinned: usize, suppressed: &[bool]) -> Option<usize> {
        let candidate = |j: usize| self.published[j] && !self.exact[j] && !suppressed[j];
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
