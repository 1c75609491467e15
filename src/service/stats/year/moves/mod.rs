//! Ways the year's data could differ in one count, proposed to the protection as witnesses
//! (`System::protect_with`): one tip counted in another commune, month, category or channel;
//! one tip naming another school; one school with a case in another commune. Each is the
//! difference between the cells one tip (or school) adds to and the cells another would, so
//! it keeps every equation; the protection checks that anyway, and that no count falls below
//! zero, before it trusts one.

mod schools;

use super::{Attr, Key, Place, Time, open};
use crate::domain::suppression::{Move, System};
use crate::domain::{Category, Channel};
use crate::service::stats::frame::RegionTree;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

/// How many sources, months and destinations a proposal list tries, at most: a narrow list
/// first (most counts have a witness in their own district and month), a wide one if not.
fn reach(wide: bool) -> (usize, usize, usize) {
    if wide { (3, 2, 5) } else { (1, 1, 2) }
}

/// What one tip is: a value in each breakdown.
type Profile = [Attr; 5];
/// The cells a tip adds to, by month, leaf place and profile.
type TipCells = FxHashMap<(u8, Place, Profile), Rc<Vec<usize>>>;
/// The likeliest tip, by month, leaf place and forced value.
type Likeliest = FxHashMap<(u8, Place, Option<Attr>), Profile>;

pub(super) struct Moves<'a> {
    system: &'a System,
    index: &'a FxHashMap<Key, usize>,
    keys: Vec<Key>,
    tree: &'a RegionTree,
    /// The district (or the province) each school place of a quarter hangs under.
    school_parent: &'a FxHashMap<(u8, Place), Place>,
    /// The unit each school is in.
    school_unit: FxHashMap<i64, i64>,
    /// Every leaf place with the places above it, in the tree's order.
    chains: Vec<(Place, Vec<Place>)>,
    chain_of: FxHashMap<Place, Vec<Place>>,
    /// The leaves outside a place, nearest first.
    outside: RefCell<FxHashMap<Place, Rc<Vec<Place>>>>,
    /// The cells of a tip, and the likeliest tip, once per question.
    tips: RefCell<TipCells>,
    profiles: RefCell<Likeliest>,
}

fn families() -> [Vec<Attr>; 5] {
    [
        (0..Category::ALL.len()).map(Attr::Category).collect(),
        (0..Channel::ALL.len()).map(Attr::Channel).collect(),
        (0..=open()).map(Attr::Outcome).collect(),
        (0..=2).map(Attr::Classified).collect(),
        (0..=2).map(Attr::Decided).collect(),
    ]
}

fn family_of(attr: Attr) -> Option<usize> {
    match attr {
        Attr::Category(_) => Some(0),
        Attr::Channel(_) => Some(1),
        Attr::Outcome(_) => Some(2),
        Attr::Classified(_) => Some(3),
        Attr::Decided(_) => Some(4),
        _ => None,
    }
}

fn times(m: u8) -> [Time; 4] {
    [
        Time::Month(m),
        Time::Quarter((m - 1) / 3 + 1),
        Time::Half((m - 1) / 6 + 1),
        Time::Year,
    ]
}

/// A tip is decided exactly when it closes: an open tip is "not decided yet", a closed one
/// decided in time or late. Keeps the outcome and fixes the deadline to match.
fn coherent(p: Profile) -> Profile {
    coherent_after(p, 2)
}

/// As `coherent`, keeping breakdown `changed` and fixing the other of the pair. A tip is
/// classified before, or as, it closes: one not classified yet is open.
fn coherent_after(mut p: Profile, changed: usize) -> Profile {
    let open_outcome = Attr::Outcome(open());
    if changed == 3 && p[3] == Attr::Classified(2) {
        p[2] = open_outcome;
    }
    let is_open = p[2] == open_outcome;
    let undecided = p[4] == Attr::Decided(2);
    if is_open != undecided {
        if changed == 4 {
            p[2] = if undecided {
                open_outcome
            } else {
                Attr::Outcome(0)
            };
        } else {
            p[4] = if is_open {
                Attr::Decided(2)
            } else {
                Attr::Decided(1)
            };
        }
    }
    if p[2] != open_outcome && p[3] == Attr::Classified(2) {
        p[3] = Attr::Classified(1);
    }
    p
}

/// Whether a tip of profile `p` counts in `Attr::OpenClassified`.
fn open_classified(p: &Profile) -> bool {
    p[2] == Attr::Outcome(open()) && p[3] != Attr::Classified(2)
}

/// `plus` minus `minus`, without the nodes they share.
fn difference(plus: &[usize], minus: &[usize]) -> Move {
    let mut all: Vec<(usize, i64)> = plus
        .iter()
        .map(|&n| (n, 1))
        .chain(minus.iter().map(|&n| (n, -1)))
        .collect();
    all.sort_unstable_by_key(|&(n, _)| n);
    let mut out: Move = Vec::with_capacity(all.len());
    for (n, d) in all {
        match out.last_mut() {
            Some((last, sum)) if *last == n => *sum += d,
            _ => out.push((n, d)),
        }
    }
    out.retain(|&(_, d)| d != 0);
    out
}

impl<'a> Moves<'a> {
    pub fn new(
        system: &'a System,
        index: &'a FxHashMap<Key, usize>,
        tree: &'a RegionTree,
        school_parent: &'a FxHashMap<(u8, Place), Place>,
        listed: &FxHashMap<u8, Vec<(i64, i64)>>,
    ) -> Self {
        let mut keys = vec![(Time::Year, Place::Rest, Attr::All); system.len()];
        for (&key, &node) in index {
            keys[node] = key;
        }
        let province = Place::Region(tree.province);
        let chains: Vec<(Place, Vec<Place>)> = tree
            .places()
            .into_iter()
            .filter_map(|p| {
                let chain = match p {
                    Place::Unspecified(d) => vec![p, Place::Region(d), province],
                    Place::Rest => vec![p, province],
                    Place::Region(id) => match tree.district_of.get(&id) {
                        Some(&d) if d != id => vec![p, Place::Region(d), province],
                        _ => return None,
                    },
                    _ => return None,
                };
                Some((p, chain))
            })
            .collect();
        let chain_of = chains.iter().cloned().collect();
        let school_unit = listed
            .values()
            .flatten()
            .map(|&(school, unit)| (school, unit))
            .collect();
        Moves {
            system,
            index,
            keys,
            tree,
            school_parent,
            school_unit,
            chains,
            chain_of,
            outside: RefCell::new(FxHashMap::default()),
            tips: RefCell::new(FxHashMap::default()),
            profiles: RefCell::new(FxHashMap::default()),
        }
    }

    fn count(&self, key: Key) -> u64 {
        self.index.get(&key).map_or(0, |&n| self.system.count(n))
    }

    /// The leaf places under `place` (itself when it is one).
    fn leaves(&self, place: Place) -> Vec<Place> {
        self.chains
            .iter()
            .filter(|(_, chain)| chain.contains(&place))
            .map(|(leaf, _)| *leaf)
            .collect()
    }

    /// A leaf place and the places above it (nothing for a place that is not a leaf).
    fn chain(&self, leaf: Place) -> &[Place] {
        self.chain_of.get(&leaf).map_or(&[], Vec::as_slice)
    }

    /// The leaves outside `place`, its own district's first: a move inside the district
    /// changes nothing above it.
    fn outside(&self, place: Place) -> Rc<Vec<Place>> {
        if let Some(o) = self.outside.borrow().get(&place) {
            return o.clone();
        }
        let district = self.chain(place).get(1).copied();
        let mut o: Vec<Place> = self
            .chains
            .iter()
            .filter(|(_, chain)| !chain.contains(&place))
            .map(|(leaf, _)| *leaf)
            .collect();
        o.sort_by_key(|p| {
            (
                self.chain(*p).get(1).copied() != district,
                *p == Place::Rest,
            )
        });
        let o = Rc::new(o);
        self.outside.borrow_mut().insert(place, o.clone());
        o
    }

    /// The nodes one tip of `profile` in month `m` at `leaf` adds one to.
    fn tip(&self, m: u8, leaf: Place, profile: &Profile) -> Rc<Vec<usize>> {
        let key = (m, leaf, *profile);
        if let Some(nodes) = self.tips.borrow().get(&key) {
            return nodes.clone();
        }
        let nodes = Rc::new(self.tip_nodes(m, leaf, profile));
        self.tips.borrow_mut().insert(key, nodes.clone());
        nodes
    }

    fn tip_nodes(&self, m: u8, leaf: Place, profile: &Profile) -> Vec<usize> {
        let mut out = Vec::new();
        for &place in self.chain(leaf) {
            for t in times(m) {
                let attrs = std::iter::once(Attr::All)
                    .chain(profile.iter().copied())
                    .chain(std::iter::once(Attr::NotNamed))
                    .chain(open_classified(profile).then_some(Attr::OpenClassified));
                for attr in attrs {
                    if let Some(&n) = self.index.get(&(t, place, attr)) {
                        out.push(n);
                    }
                }
            }
        }
        // "Open" and "not decided yet" may be one node: a tip counts in it once.
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The tip most likely to exist in month `m` at `leaf`: in each breakdown the value
    /// whose smallest count along the tip's cells is largest; `forced` where given.
    fn profile(&self, m: u8, leaf: Place, forced: Option<Attr>) -> Profile {
        let key = (m, leaf, forced);
        if let Some(p) = self.profiles.borrow().get(&key) {
            return *p;
        }
        let p = self.likeliest(m, leaf, forced);
        self.profiles.borrow_mut().insert(key, p);
        p
    }

    fn likeliest(&self, m: u8, leaf: Place, forced: Option<Attr>) -> Profile {
        let chain = self.chain(leaf);
        let families = families();
        let pick = |values: &Vec<Attr>| -> Attr {
            if let Some(f) = forced.filter(|f| values.contains(f)) {
                return f;
            }
            let least = |&v: &Attr| {
                let counts = chain.iter().flat_map(|&p| {
                    times(m)
                        .into_iter()
                        .filter_map(move |t| self.index.get(&(t, p, v)).copied())
                });
                counts.map(|n| self.system.count(n)).min().unwrap_or(0)
            };
            values
                .iter()
                .copied()
                .max_by_key(least)
                .unwrap_or(values[0])
        };
        coherent([
            pick(&families[0]),
            pick(&families[1]),
            pick(&families[2]),
            pick(&families[3]),
            pick(&families[4]),
        ])
    }

    /// Proposed witnesses for `node`.
    pub fn for_node(&self, node: usize, wide: bool) -> Vec<Move> {
        let Some(&(t, place, attr)) = self.keys.get(node) else {
            return Vec::new();
        };
        match attr {
            Attr::Named | Attr::NotNamed => self.schools_named(t, place, wide),
            Attr::Schools => self.schools_with_case(t, place, wide),
            _ => self.tips(t, place, attr, wide),
        }
    }

    /// One tip counted elsewhere, otherwise, or in another month. Either direction: out of
    /// `place` where it has tips, into it where another place has them.
    fn tips(&self, t: Time, place: Place, attr: Attr, wide: bool) -> Vec<Move> {
        let (sources, months_tried, destinations) = reach(wide);
        let forced = family_of(attr).map(|_| attr);
        let has = |m: u8, leaf: Place| self.count((Time::Month(m), leaf, Attr::All)) > 0;
        let mut inside = self.leaves(place);
        inside.sort_by_key(|&leaf| std::cmp::Reverse(self.count((t, leaf, Attr::All))));
        let outside = self.outside(place);
        let mut months: Vec<u8> = t.months().collect();
        months.sort_by_key(|&m| !inside.iter().any(|&l| has(m, l)));
        let others: Vec<u8> = (1..=12).filter(|m| !t.months().contains(m)).collect();
        let mut out = Vec::new();
        for &m in months.iter().take(months_tried) {
            for &a in inside.iter().take(sources) {
                // Another place: the tip is where it has tips, moved across the boundary.
                for &b in outside.iter().take(destinations) {
                    let (from, to) = if has(m, a) { (a, b) } else { (b, a) };
                    if !has(m, from) {
                        continue;
                    }
                    let profile = self.profile(m, from, forced);
                    out.push(difference(
                        &self.tip(m, to, &profile),
                        &self.tip(m, from, &profile),
                    ));
                }
                if !has(m, a) {
                    continue;
                }
                // Another value of the breakdown: out of `attr`, and into it.
                if let Some(f) = family_of(attr) {
                    for profile in [self.profile(m, a, forced), self.profile(m, a, None)] {
                        let from = self.tip(m, a, &profile);
                        for v in families()[f].iter().filter(|&&v| v != profile[f]) {
                            let mut other = profile;
                            other[f] = *v;
                            let other = coherent_after(other, f);
                            out.push(difference(&self.tip(m, a, &other), &from));
                        }
                    }
                }
                // Another month, outside the period.
                let profile = self.profile(m, a, forced);
                let from = self.tip(m, a, &profile);
                for &m2 in others.iter().take(months_tried) {
                    out.push(difference(&self.tip(m2, a, &profile), &from));
                }
            }
            // Into the period from another month.
            for &a in inside.iter().take(sources) {
                for &m2 in others.iter().filter(|&&m2| has(m2, a)).take(months_tried) {
                    let profile = self.profile(m2, a, forced);
                    out.push(difference(
                        &self.tip(m, a, &profile),
                        &self.tip(m2, a, &profile),
                    ));
                }
            }
        }
        out
    }
}
