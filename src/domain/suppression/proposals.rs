//! The moves a caller proposes as witnesses, each asked for once and checked once, lazily:
//! proposals depend on the counts and the equations, not on what is suppressed.

use super::system::{Move, System};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

/// A move with each node once, in order, and no zero change.
fn normalise(mut m: Move) -> Move {
    m.sort_unstable_by_key(|&(n, _)| n);
    let mut out: Move = Vec::with_capacity(m.len());
    for (n, d) in m {
        match out.last_mut() {
            Some((last, sum)) if *last == n => *sum = sum.saturating_add(d),
            _ => out.push((n, d)),
        }
    }
    out.retain(|&(_, d)| d != 0);
    out
}

/// Proposals, each with whether it is a witness once that is known.
type Checked = Rc<RefCell<Vec<(Move, Option<bool>)>>>;

/// The moves proposed for each node, asked for once, and each checked (exact, feasible,
/// moving the node) once, when first needed: they depend on the counts and the equations,
/// not on what is suppressed.
pub(super) struct Proposals<'a> {
    sys: &'a System,
    propose: &'a dyn Fn(usize, bool) -> Vec<Move>,
    /// Per node and breadth: each proposal with whether it is a witness, once known.
    asked: RefCell<FxHashMap<(usize, bool), Checked>>,
}

impl<'a> Proposals<'a> {
    pub(super) fn new(sys: &'a System, propose: &'a dyn Fn(usize, bool) -> Vec<Move>) -> Self {
        Proposals {
            sys,
            propose,
            asked: RefCell::new(FxHashMap::default()),
        }
    }

    fn of(&self, node: usize, wide: bool) -> Checked {
        if let Some(v) = self.asked.borrow().get(&(node, wide)) {
            return v.clone();
        }
        let list: Vec<(Move, Option<bool>)> = (self.propose)(node, wide)
            .into_iter()
            .map(|m| (normalise(m), None))
            .collect();
        let list = Rc::new(RefCell::new(list));
        self.asked.borrow_mut().insert((node, wide), list.clone());
        list
    }

    /// A proposal that `usable` accepts and that is a witness for `node`: from the narrow
    /// list, then from the wide one only if the narrow one has no witness at all.
    pub(super) fn find(&self, node: usize, usable: impl Fn(&Move) -> bool) -> Option<Move> {
        for wide in [false, true] {
            let list = self.of(node, wide);
            let mut list = list.borrow_mut();
            let mut some = false;
            for (m, ok) in list.iter_mut() {
                if usable(m) && *ok.get_or_insert_with(|| self.sys.is_witness(m, node)) {
                    return Some(m.clone());
                }
                some |= *ok == Some(true);
            }
            if some
                || list
                    .iter()
                    .any(|(m, ok)| ok.is_none() && self.sys.is_witness(m, node))
            {
                return None;
            }
        }
        None
    }

    /// The witness for `node` of least `cost`: of the narrow list, or if it has none, of
    /// the wide one. Proposals are checked in order of cost, and only until one passes.
    pub(super) fn cheapest(&self, node: usize, cost: impl Fn(&Move) -> u64) -> Option<Move> {
        for wide in [false, true] {
            let list = self.of(node, wide);
            let mut list = list.borrow_mut();
            let mut order: Vec<(u64, usize)> = list
                .iter()
                .enumerate()
                .map(|(i, (m, _))| (cost(m), i))
                .collect();
            order.sort_unstable();
            for (_, i) in order {
                let (m, ok) = &mut list[i];
                if *ok.get_or_insert_with(|| self.sys.is_witness(m, node)) {
                    return Some(m.clone());
                }
            }
        }
        None
    }
}
