//! Small-cell protection for published statistics (SECURITY.md P4, R21): the threshold k,
//! primary and complementary suppression, and pooling of small schools. Pure: no I/O.
//!
//! Every published table is a `Frame`: one or more trees of counts, where a node with children
//! is their total (province → former district → commune, or a period's total → categories).
//! A tree's totals are published beside its cells, so each parent with its children is one
//! equation an attacker can use.
//!
//! The attacker we protect against sees every published count of a frame, knows the tree, and
//! knows that zeros are published, so a suppressed cell holds at least 1. `protect` suppresses
//! until no suppressed node of any tree can be pinned to a single value under that knowledge:
//! `ranges` computes, exactly, the values each node could take given what is published (on a
//! tree, bounds propagation up then down is exact), and a complement is added while any
//! suppressed node's range is one value. The brute-force tests below check that claim.
//!
//! Zeros are published: a zero names nobody who reported (there is nobody), and publishing it
//! keeps tables readable. The cost is that an attacker knows suppressed cells are ≥ 1, which
//! the check above takes into account.
//!
//! `links` are extra equations between trees of one frame (a unit's total equals the sum of its
//! categories, when both trees are in one report). For them the guarantee is weaker: `protect`
//! makes sure none holds exactly one suppressed entry (the line rule), not that a combination
//! of several equations cannot narrow a cell. The README says so.

/// The default threshold: a count below it is never published.
pub const DEFAULT_K: u64 = 11;
/// The smallest threshold the configuration accepts.
pub const MIN_K: u64 = 5;

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

    fn at_least(lo: u64) -> Range {
        Range { lo, hi: None }
    }

    fn meet(self, other: Range) -> Range {
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, None) => a,
            (None, b) => b,
        };
        Range {
            lo: self.lo.max(other.lo),
            hi,
        }
    }

    /// Whether only one value is possible.
    pub fn is_point(self) -> bool {
        self.hi == Some(self.lo)
    }
}

/// An extra equation between nodes of different trees: `total = Σ parts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Trees of counts to be published together. Nodes are added parents first.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    count: Vec<u64>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    links: Vec<Link>,
}

impl Frame {
    pub fn new() -> Self {
        Frame::default()
    }

    /// A total: its count is the sum of the leaves added below it.
    pub fn total(&mut self, parent: Option<usize>) -> usize {
        self.push(parent, 0)
    }

    /// A cell with its own count, added to every total above it. A leaf must not get
    /// children (it would stop being their sum).
    pub fn leaf(&mut self, parent: Option<usize>, count: u64) -> usize {
        self.push(parent, count)
    }

    fn push(&mut self, parent: Option<usize>, count: u64) -> usize {
        let id = self.count.len();
        // A parent must exist already; an unknown one makes this a root (never a panic).
        let parent = parent.filter(|&p| p < id);
        self.count.push(count);
        self.parent.push(parent);
        self.children.push(Vec::new());
        if let Some(p) = parent {
            self.children[p].push(id);
        }
        let mut up = parent;
        while let Some(p) = up {
            self.count[p] += count;
            up = self.parent[p];
        }
        id
    }

    /// Adds an equation between trees (see the module comment for what it guarantees).
    pub fn link(&mut self, total: usize, parts: Vec<usize>) {
        let n = self.count.len();
        if total < n && parts.iter().all(|&p| p < n) {
            self.links.push(Link { total, parts });
        }
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

    pub fn parent(&self, node: usize) -> Option<usize> {
        self.parent.get(node).copied().flatten()
    }

    pub fn children(&self, node: usize) -> &[usize] {
        self.children.get(node).map_or(&[], Vec::as_slice)
    }

    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Every equation of the frame: each total with its children, then the links.
    pub fn equations(&self) -> Vec<(usize, Vec<usize>)> {
        let trees = (0..self.len())
            .filter(|&i| !self.children[i].is_empty())
            .map(|i| (i, self.children[i].clone()));
        let links = self.links.iter().map(|l| (l.total, l.parts.clone()));
        trees.chain(links).collect()
    }

    /// The values each node could hold for someone who sees the published counts, the trees,
    /// and that suppressed counts are at least 1. Exact on trees (links are not used).
    pub fn ranges(&self, suppressed: &[bool]) -> Vec<Range> {
        let n = self.len();
        let hidden = |i: usize| suppressed.get(i).copied().unwrap_or(false);
        let own = |i: usize| {
            if hidden(i) {
                Range::at_least(1)
            } else {
                Range::exact(self.count[i])
            }
        };
        // Up: what each subtree allows. Children come after their parent, so walk backwards.
        let mut up: Vec<Range> = (0..n).map(own).collect();
        for i in (0..n).rev() {
            if !self.children[i].is_empty() {
                up[i] = up[i].meet(sum(self.children[i].iter().map(|&c| up[c])));
            }
        }
        // Down: what the rest of the tree allows, given each parent's final range.
        let mut range = up.clone();
        for i in 0..n {
            let kids = &self.children[i];
            if kids.is_empty() {
                continue;
            }
            let lo_sum: u64 = kids.iter().map(|&c| up[c].lo).sum();
            let unbounded = kids.iter().filter(|&&c| up[c].hi.is_none()).count();
            let hi_sum: u64 = kids.iter().filter_map(|&c| up[c].hi).sum();
            let parent = range[i];
            for &c in kids {
                let others_lo = lo_sum - up[c].lo;
                let others_hi = match up[c].hi {
                    Some(h) if unbounded == 0 => Some(hi_sum - h),
                    None if unbounded == 1 => Some(hi_sum),
                    _ => None,
                };
                let lo = others_hi.map_or(0, |oh| parent.lo.saturating_sub(oh));
                let hi = parent.hi.map(|h| h.saturating_sub(others_lo));
                range[c] = up[c].meet(Range { lo, hi });
            }
        }
        range
    }

    /// Which nodes to suppress at threshold `k`: the primary cells (0 < count < k), then
    /// complements until no suppressed node can be pinned and no link holds exactly one
    /// suppressed entry.
    pub fn protect(&self, k: u64) -> Vec<bool> {
        let n = self.len();
        let mut suppressed: Vec<bool> = self.count.iter().map(|&c| c > 0 && c < k).collect();
        let root = self.roots();
        // Each round suppresses at least one more non-zero node, so n + 1 rounds suffice.
        // Trees do not share nodes, so each round fixes one pinned node in every tree.
        for _ in 0..=n {
            let ranges = self.ranges(&suppressed);
            let mut fixed = vec![false; n];
            let mut any = false;
            for i in 0..n {
                if suppressed[i] && ranges[i].is_point() && !fixed[root[i]] {
                    if !self.complement(i, &mut suppressed) {
                        return self.count.iter().map(|&c| c > 0).collect();
                    }
                    fixed[root[i]] = true;
                    any = true;
                }
            }
            if !any && !self.line_rule(&mut suppressed) {
                return suppressed;
            }
        }
        // Not reached with consistent counts; if it is, publish no non-zero count at all.
        self.count.iter().map(|&c| c > 0).collect()
    }

    /// The root of each node's tree.
    fn roots(&self) -> Vec<usize> {
        let mut root: Vec<usize> = (0..self.len()).collect();
        for i in 0..self.len() {
            if let Some(p) = self.parent[i] {
                root[i] = root[p];
            }
        }
        root
    }

    /// The published node with the smallest non-zero count among `nodes`.
    fn smallest(&self, nodes: impl Iterator<Item = usize>, suppressed: &[bool]) -> Option<usize> {
        nodes
            .filter(|&j| !suppressed[j] && self.count[j] > 0)
            .min_by_key(|&j| (self.count[j], j))
    }

    /// Suppresses one more node so that `pinned` gains a second possible value; false when
    /// nothing is left to suppress.
    fn complement(&self, pinned: usize, suppressed: &mut [bool]) -> bool {
        let kids = &self.children[pinned];
        let siblings: Vec<usize> = self
            .parent(pinned)
            .map(|p| {
                self.children[p]
                    .iter()
                    .copied()
                    .filter(|&s| s != pinned)
                    .collect()
            })
            .unwrap_or_default();
        // Its children, all published, add up to it.
        if !kids.is_empty()
            && kids.iter().all(|&c| !suppressed[c])
            && let Some(j) = self.smallest(kids.iter().copied(), suppressed)
        {
            suppressed[j] = true;
            return true;
        }
        // It is the only unknown of its parent's equation.
        if let Some(p) = self.parent(pinned)
            && !suppressed[p]
            && siblings.iter().all(|&s| !suppressed[s])
        {
            let choice = self.smallest(siblings.iter().copied(), suppressed);
            if let Some(j) = choice.or((self.count[p] > 0).then_some(p)) {
                suppressed[j] = true;
                return true;
            }
        }
        // Pinned by small values (say two suppressed cells of 1 under a total of 2): widen
        // with a sibling, a child, or the nearest published total above.
        let choice = self
            .smallest(siblings.iter().copied(), suppressed)
            .or_else(|| self.smallest(kids.iter().copied(), suppressed));
        let choice = choice.or_else(|| {
            let mut up = self.parent(pinned);
            while let Some(p) = up {
                if !suppressed[p] && self.count[p] > 0 {
                    return Some(p);
                }
                up = self.parent(p);
            }
            None
        });
        match choice {
            Some(j) => {
                suppressed[j] = true;
                true
            }
            None => false,
        }
    }

    /// For every link with exactly one suppressed entry, suppresses one more; true when it did.
    fn line_rule(&self, suppressed: &mut [bool]) -> bool {
        let mut changed = false;
        for link in &self.links {
            let entries = || std::iter::once(link.total).chain(link.parts.iter().copied());
            if entries().filter(|&e| suppressed[e]).count() != 1 {
                continue;
            }
            let choice = self
                .smallest(link.parts.iter().copied(), suppressed)
                .or_else(|| self.smallest(std::iter::once(link.total), suppressed));
            if let Some(j) = choice {
                suppressed[j] = true;
                changed = true;
            }
        }
        changed
    }
}

fn sum(ranges: impl Iterator<Item = Range>) -> Range {
    let mut total = Range::exact(0);
    for r in ranges {
        total.lo += r.lo;
        total.hi = match (total.hi, r.hi) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
    total
}

/// Splits items into those published one by one (count ≥ k) and a pool of the rest ("other
/// schools in the unit"): returns the listed items, the pool's count and how many it holds.
pub fn pool<T>(items: Vec<(T, u64)>, k: u64) -> (Vec<(T, u64)>, u64, usize) {
    let (listed, pooled): (Vec<_>, Vec<_>) = items.into_iter().partition(|(_, c)| *c >= k);
    let count = pooled.iter().map(|(_, c)| c).sum();
    (listed, count, pooled.len())
}

#[cfg(test)]
#[path = "suppression_tests.rs"]
mod tests;
