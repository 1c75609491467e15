//! What the exact counts give away by themselves: the small counts that no witness can move
//! once the disclosed counts are fixed, whatever else is hidden.
//!
//! A disclosed count is published whatever its size (`System::disclose`). Where it pins a
//! small count on its own (a former district discloses that 2 of its 2 schools had a case:
//! each commune's count is then its number of schools), hiding more cannot help: without
//! this check the protection would look for complements in vain and withhold the whole year.
//! Such a count stays suppressed where published, but needs no witness.
//!
//! Only the part of the system joined to an exact count through equations can be pinned by
//! it, so only that part is searched (for the schools with a case, a few hundred nodes).

use super::proposals::Proposals;
use super::system::System;

impl System {
    /// The small counts (1 to k − 1, not exact) that the exact counts pin with every other
    /// published count hidden: another data set agreeing with the exact counts, the
    /// equations and the bounds was searched for, and none found.
    pub(super) fn forced_by_exact(&self, k: u64) -> Vec<bool> {
        let n = self.len();
        let mut out = vec![false; n];
        let members = self.joined_to_exact();
        if members.is_empty() {
            return out;
        }
        let mut at = vec![usize::MAX; n];
        let mut sub = System::new();
        for &i in &members {
            let j = sub.node(self.count(i), self.is_published(i));
            let (lo, hi) = self.bounds(i);
            sub.bound(j, lo, hi);
            if self.is_exact(i) {
                sub.known(j);
            }
            at[i] = j;
        }
        for eq in self.equations() {
            if at[eq.total] == usize::MAX {
                continue;
            }
            let parts = eq.parts.iter().map(|&p| at[p]).collect();
            sub.equation(at[eq.total], parts);
        }
        // Everything that is not exact hidden: what is pinned now is pinned by them.
        let hidden: Vec<bool> = (0..sub.len())
            .map(|j| sub.is_published(j) && !sub.is_exact(j))
            .collect();
        let small = |j: usize| !sub.is_exact(j) && sub.count(j) > 0 && sub.count(j) < k;
        let none = |_: usize, _: bool| Vec::new();
        let proposals = Proposals::new(&sub, &none);
        let mut witnessed = vec![false; sub.len()];
        let pinned = sub.unwitnessed(&hidden, small, &proposals, &mut witnessed);
        for &i in &members {
            out[i] = pinned[at[i]];
        }
        out
    }

    /// The nodes joined to an exact node through equations, in index order.
    fn joined_to_exact(&self) -> Vec<usize> {
        let n = self.len();
        let mut of_node: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (e, eq) in self.equations().iter().enumerate() {
            for node in eq.nodes() {
                of_node[node].push(e);
            }
        }
        let mut member = vec![false; n];
        let mut stack: Vec<usize> = (0..n).filter(|&i| self.is_exact(i)).collect();
        for &i in &stack {
            member[i] = true;
        }
        let mut seen_eq = vec![false; self.equations().len()];
        while let Some(i) = stack.pop() {
            for &e in &of_node[i] {
                if std::mem::replace(&mut seen_eq[e], true) {
                    continue;
                }
                for j in self.equations()[e].nodes() {
                    if !std::mem::replace(&mut member[j], true) {
                        stack.push(j);
                    }
                }
            }
        }
        (0..n).filter(|&i| member[i]).collect()
    }
}
