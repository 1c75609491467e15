//! Proposed witnesses about schools: a tip naming another school (or none), and a school
//! with a case counted in another commune.

use super::{Moves, difference, reach};
use crate::domain::suppression::Move;
use crate::service::stats::year::{Attr, Place, Time};

impl Moves<'_> {
    /// A tip naming another school, in the same district first; or naming none.
    pub(super) fn schools_named(&self, t: Time, place: Place, wide: bool) -> Vec<Move> {
        let (_, _, destinations) = reach(wide);
        let Time::Quarter(q) = t else {
            return Vec::new();
        };
        let province = Place::Region(self.tree.province);
        let node = |p: Place| self.index.get(&(t, p, Attr::Named)).copied();
        let up = |p: Place| -> Vec<usize> {
            let parent = self.school_parent.get(&(q, p)).copied().unwrap_or(province);
            [
                Some(p),
                Some(parent),
                (parent != province).then_some(province),
            ]
            .into_iter()
            .flatten()
            .filter_map(node)
            .collect()
        };
        let mut schools: Vec<(Place, Place)> = self
            .school_parent
            .iter()
            .filter(|((q2, _), _)| *q2 == q)
            .map(|((_, p), parent)| (*p, *parent))
            .collect();
        schools.sort_unstable_by_key(|(p, _)| format!("{p:?}"));
        let under = |p: Place, parent: Place| place == province || p == place || parent == place;
        let not_named = self.index.get(&(t, province, Attr::NotNamed)).copied();
        let mut out = Vec::new();
        // Either direction: `is_witness` takes the one that keeps counts at zero or above.
        for &(src, parent) in schools.iter().filter(|(p, d)| under(*p, *d)) {
            let from = up(src);
            let mut targets: Vec<&(Place, Place)> =
                schools.iter().filter(|(p, d)| !under(*p, *d)).collect();
            targets.sort_by_key(|(_, d)| *d != parent);
            for (dst, _) in targets.into_iter().take(destinations) {
                out.push(difference(&up(*dst), &from));
            }
            if let Some(nn) = not_named {
                out.push(difference(&[nn], &from));
            }
        }
        out
    }

    /// One school with a case counted in another commune, in a half year and so in the year
    /// (a school with a case in that half only), or in both halves and the year: only into
    /// places whose schools had tips in those halves (a case needs a tip).
    pub(super) fn schools_with_case(&self, t: Time, place: Place, wide: bool) -> Vec<Move> {
        let (_, _, destinations) = reach(wide);
        let kinds: Vec<[bool; 2]> = match t {
            Time::Half(1) => vec![[true, false]],
            Time::Half(_) => vec![[false, true]],
            _ => vec![[true, false], [false, true], [true, true]],
        };
        let all = self.leaves(Place::Region(self.tree.province));
        let mut out = Vec::new();
        for halves in kinds {
            let mut keys: Vec<(Time, Attr)> = vec![(Time::Year, Attr::Schools)];
            keys.push((Time::Year, Attr::SchoolsIn(halves)));
            let in_half = |h: u8| halves[usize::from(h - 1)];
            for h in (1..=2u8).filter(|&h| in_half(h)) {
                keys.push((Time::Half(h), Attr::Schools));
            }
            let nodes = |leaf: Place| -> Vec<usize> {
                let chain = self.chain(leaf);
                keys.iter()
                    .flat_map(|&(p, a)| chain.iter().map(move |&c| (p, c, a)))
                    .filter_map(|key| self.index.get(&key).copied())
                    .collect()
            };
            let named = |leaf: Place| {
                (1..=2u8)
                    .filter(|&h| in_half(h))
                    .all(|h| self.named_in(h, leaf) > 0)
            };
            for src in self.leaves(place) {
                let outside = all
                    .iter()
                    .filter(|p| !self.chain(**p).contains(&place))
                    .filter(|p| named(**p) && named(src));
                for &dst in outside.take(destinations) {
                    out.push(difference(&nodes(dst), &nodes(src)));
                }
            }
        }
        out
    }

    /// Tips naming a school of `leaf` (listed or pooled) in half year `h`.
    fn named_in(&self, h: u8, leaf: Place) -> u64 {
        let Place::Region(unit) = leaf else {
            return 0;
        };
        let quarters = [h * 2 - 1, h * 2];
        self.school_parent
            .keys()
            .filter(|(q, _)| quarters.contains(q))
            .filter(|(_, p)| match p {
                Place::Pool(u) => *u == unit,
                Place::School(s) => self.school_unit.get(s) == Some(&unit),
                _ => false,
            })
            .map(|&(q, p)| self.count((Time::Quarter(q), p, Attr::Named)))
            .sum()
    }
}
