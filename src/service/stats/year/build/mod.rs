//! Every cell any product publishes for a year, and every equation between them.
//!
//! The products, and the cells each adds (`P` the province, `r` every place of the tree):
//! - `region-month`: (month, r, all);
//! - `category-month`: (month, P, category), with (month, P, all) as total;
//! - `channel-quarter`: (quarter, P, channel) and (quarter, P, all);
//! - `region-outcome-quarter`: (quarter, r, outcome) for each closed outcome;
//! - `timeliness-quarter`: (quarter, P, in time / late) for both deadlines;
//! - `school-quarter`: (quarter, P and each district, tips naming a school), then each school
//!   with at least k and one pool of the others per unit;
//! - the indicator report, for each half year and the year: (period, r, all / category /
//!   channel / outcome / in time / late), and (period, r, schools with a confirmed case).
//!
//! Equations: each region tree; each breakdown of a place's tips (by category, by channel,
//! by outcome with the open ones, by timeliness with the not-yet-known ones); each period as
//! the sum of the next finer period published for the same place and count. Aggregates no
//! product shows but that the equations pass through (a commune's quarter, its open tips)
//! are nodes too, unpublished: they must not be worked out when small either.

mod schools;

use super::tally::Tally;
use super::{Attr, Key, Place, Time, open};
use crate::domain::suppression::{System, pool};
use crate::domain::{Category, Channel, Directory};
use crate::service::stats::frame::RegionTree;
use rustc_hash::{FxHashMap, FxHashSet};

pub(super) struct Built {
    pub system: System,
    pub index: FxHashMap<Key, usize>,
    pub listed: FxHashMap<u8, Vec<(i64, i64)>>,
    pub pools: FxHashMap<u8, Vec<i64>>,
    /// The district (or the province) each school place of a quarter hangs under.
    pub school_parent: FxHashMap<(u8, Place), Place>,
}

pub(super) struct Builder<'a> {
    tally: &'a Tally,
    tree: &'a RegionTree,
    dir: &'a Directory,
    k: u64,
    built: Built,
}

const QUARTERS: [Time; 4] = [
    Time::Quarter(1),
    Time::Quarter(2),
    Time::Quarter(3),
    Time::Quarter(4),
];
const REPORTS: [Time; 3] = [Time::Half(1), Time::Half(2), Time::Year];

fn categories() -> Vec<Attr> {
    (0..Category::ALL.len()).map(Attr::Category).collect()
}

fn channels() -> Vec<Attr> {
    (0..Channel::ALL.len()).map(Attr::Channel).collect()
}

fn outcomes() -> Vec<Attr> {
    (0..open()).map(Attr::Outcome).collect()
}

impl<'a> Builder<'a> {
    pub fn new(tally: &'a Tally, tree: &'a RegionTree, dir: &'a Directory, k: u64) -> Self {
        Builder {
            tally,
            tree,
            dir,
            k,
            built: Built {
                system: System::new(),
                index: FxHashMap::default(),
                listed: FxHashMap::default(),
                pools: FxHashMap::default(),
                school_parent: FxHashMap::default(),
            },
        }
    }

    pub fn products(mut self) -> Built {
        let province = Place::Region(self.tree.province);
        let places = self.tree.places();
        let everywhere = |_: Place| true;
        for m in 1..=12 {
            let t = Time::Month(m);
            self.region_tree(t, Attr::All, &everywhere);
            self.partition(t, province, &categories(), None, true);
        }
        for t in QUARTERS {
            self.tip(t, province, Attr::All, true);
            self.partition(t, province, &channels(), None, true);
            for o in outcomes() {
                self.region_tree(t, o, &everywhere);
            }
            for &place in &places {
                self.partition(t, place, &outcomes(), Some(Attr::Outcome(open())), true);
            }
            for measure in [Attr::Classified, Attr::Decided] {
                let parts = [measure(1), measure(0)];
                self.partition(t, province, &parts, Some(measure(2)), true);
            }
            self.open_split(t, province);
            self.schools_naming(t);
        }
        for t in REPORTS {
            // The report's rows: the province, the districts, and the communes with at least
            // k tips in the period. Other places' counts are nodes too, unpublished: their
            // equations hold in any real data, so every witness must keep them.
            let rows = self.report_rows(t);
            let shown = |p: Place| rows.contains(&p);
            for attr in self.report_attrs() {
                self.region_tree(t, attr, &shown);
            }
            for &place in &places {
                let show = shown(place);
                self.partition(t, place, &categories(), None, show);
                self.partition(t, place, &channels(), None, show);
                let open = Some(Attr::Outcome(open()));
                self.partition(t, place, &outcomes(), open, show);
                for measure in [Attr::Classified, Attr::Decided] {
                    let parts = [measure(1), measure(0)];
                    self.partition(t, place, &parts, Some(measure(2)), show);
                }
                self.open_split(t, place);
            }
            self.schools_with_case(t, &shown);
        }
        self.school_halves();
        for &place in &places {
            for attr in self.report_attrs() {
                self.periods(place, attr);
            }
        }
        self.built
    }

    /// The places the report has a row for in `t`: the province, each former district, and
    /// each unit whose tips in the period number at least k. Whether a unit has a row says
    /// only what its suppressed total would say (fewer than k, or not).
    fn report_rows(&self, t: Time) -> FxHashSet<Place> {
        let mut rows = FxHashSet::from_iter([Place::Region(self.tree.province)]);
        for (d, units) in &self.tree.districts {
            rows.insert(Place::Region(*d));
            for &u in units {
                if self.tally.count(t, Place::Region(u), Attr::All) >= self.k {
                    rows.insert(Place::Region(u));
                }
            }
        }
        rows
    }

    /// What the report counts per place, besides the schools with a case.
    fn report_attrs(&self) -> Vec<Attr> {
        let mut attrs = vec![Attr::All];
        attrs.extend(categories());
        attrs.extend(channels());
        attrs.extend(outcomes());
        for measure in [Attr::Classified, Attr::Decided] {
            attrs.extend([measure(1), measure(0)]);
        }
        attrs
    }

    /// The node of `key` with `count`, published if any product shows it.
    fn node(&mut self, key: Key, count: u64, published: bool) -> usize {
        let sys = &mut self.built.system;
        let id = *self
            .built
            .index
            .entry(key)
            .or_insert_with(|| sys.node(count, false));
        if published {
            sys.publish(id);
        }
        id
    }

    /// A count of tips at a place (what is left of all tips, for the remainders).
    fn tip(&mut self, t: Time, place: Place, attr: Attr, published: bool) -> usize {
        // A tip is decided exactly when it closes, so "not decided yet" is the open tips:
        // one node, so that no witness can tell them apart. (Where the counters say otherwise,
        // the equation does not hold, and the two stay apart.)
        if attr == Attr::Decided(2) && self.decided_is_closed(t, place) {
            return self.tip(t, place, Attr::Outcome(open()), published);
        }
        let count = match attr {
            Attr::Outcome(o) if o == open() => self.rest(t, place, &outcomes()),
            Attr::Classified(2) => self.rest(t, place, &[Attr::Classified(1), Attr::Classified(0)]),
            Attr::Decided(2) => self.rest(t, place, &[Attr::Decided(1), Attr::Decided(0)]),
            Attr::OpenClassified => self
                .classified(t, place)
                .saturating_sub(self.closed(t, place)),
            _ => self.tally.count(t, place, attr),
        };
        self.node((t, place, attr), count, published)
    }

    /// Whether the tips decided (in time or late) are the tips closed, at `place` in `t`.
    fn decided_is_closed(&self, t: Time, place: Place) -> bool {
        let count = |a| self.tally.count(t, place, a);
        count(Attr::Decided(1)) + count(Attr::Decided(0)) == self.closed(t, place)
    }

    fn closed(&self, t: Time, place: Place) -> u64 {
        let count = |a| self.tally.count(t, place, a);
        outcomes().into_iter().map(count).sum()
    }

    fn classified(&self, t: Time, place: Place) -> u64 {
        let count = |a| self.tally.count(t, place, a);
        count(Attr::Classified(1)) + count(Attr::Classified(0))
    }

    /// The open tips as those not classified yet and those classified (`OpenClassified`),
    /// where the counters agree that every closed tip was classified (they always do: where
    /// they do not, the relation is left out rather than made to fail).
    fn open_split(&mut self, t: Time, place: Place) {
        if self.closed(t, place) > self.classified(t, place) {
            return;
        }
        let open = self.tip(t, place, Attr::Outcome(open()), false);
        let unclassified = self.tip(t, place, Attr::Classified(2), false);
        let classified = self.tip(t, place, Attr::OpenClassified, false);
        self.built
            .system
            .equation(open, vec![unclassified, classified]);
    }

    fn rest(&self, t: Time, place: Place, parts: &[Attr]) -> u64 {
        let all = self.tally.count(t, place, Attr::All);
        let parts: u64 = parts.iter().map(|&a| self.tally.count(t, place, a)).sum();
        all.saturating_sub(parts)
    }

    /// `attr` at every place of the tree, published where `shown`, with the tree's equations.
    fn region_tree(&mut self, t: Time, attr: Attr, shown: &dyn Fn(Place) -> bool) {
        for (total, parts) in self.tree.equations() {
            let total = self.tip(t, total, attr, shown(total));
            let parts = parts
                .iter()
                .map(|&p| self.tip(t, p, attr, shown(p)))
                .collect();
            self.built.system.equation(total, parts);
        }
    }

    /// A place's tips as the sum of `parts` (published if `show`) and `rest` (never).
    fn partition(&mut self, t: Time, place: Place, parts: &[Attr], rest: Option<Attr>, show: bool) {
        let total = self.tip(t, place, Attr::All, false);
        let mut nodes: Vec<usize> = parts.iter().map(|&a| self.tip(t, place, a, show)).collect();
        if let Some(rest) = rest {
            nodes.push(self.tip(t, place, rest, false));
        }
        self.built.system.equation(total, nodes);
    }

    /// Each period of (place, attr) as the sum of the next finer period present.
    fn periods(&mut self, place: Place, attr: Attr) {
        let levels: [Vec<Time>; 4] = [
            (1..=12).map(Time::Month).collect(),
            QUARTERS.to_vec(),
            vec![Time::Half(1), Time::Half(2)],
            vec![Time::Year],
        ];
        let present: Vec<&Vec<Time>> = levels
            .iter()
            .filter(|level| self.built.index.contains_key(&(level[0], place, attr)))
            .collect();
        for pair in present.windows(2) {
            let (fine, coarse) = (pair[0], pair[1]);
            for &c in coarse {
                let months = c.months();
                let parts: Vec<usize> = fine
                    .iter()
                    .filter(|f| months.contains(f.months().start()))
                    .filter_map(|&f| self.built.index.get(&(f, place, attr)).copied())
                    .collect();
                if let Some(&total) = self.built.index.get(&(c, place, attr)) {
                    self.built.system.equation(total, parts);
                }
            }
        }
    }

    /// `school-quarter`: tips naming a school, under the school's district; schools below k
    /// pooled per unit.
    fn schools_naming(&mut self, t: Time) {
        let Time::Quarter(q) = t else { return };
        let mut per_school: FxHashMap<i64, u64> = FxHashMap::default();
        for &(m, school, _, n) in &self.tally.schools {
            if t.months().contains(&m) {
                *per_school.entry(school).or_default() += n;
            }
        }
        let mut by_unit: FxHashMap<i64, Vec<(i64, u64)>> = FxHashMap::default();
        for s in self.dir.schools() {
            let n = per_school.get(&s.id).copied().unwrap_or(0);
            by_unit.entry(s.region_id).or_default().push((s.id, n));
        }
        let province = Place::Region(self.tree.province);
        let mut placed = 0u64;
        let mut districts = Vec::new();
        for (d, units) in &self.tree.districts {
            let mut parts = Vec::new();
            let mut sum = 0u64;
            for unit in units.iter().chain(std::iter::once(d)) {
                let Some(list) = by_unit.remove(unit) else {
                    continue;
                };
                let (listed, pooled, members) = pool(list, self.k);
                for (school, n) in listed {
                    let node = self.node((t, Place::School(school), Attr::Named), n, true);
                    // Listed means at least k: everyone reading the table knows it.
                    self.built.system.bound(node, self.k, None);
                    parts.push(node);
                    let parent = Place::Region(*d);
                    self.built
                        .school_parent
                        .insert((q, Place::School(school)), parent);
                    self.built
                        .listed
                        .entry(q)
                        .or_default()
                        .push((school, *unit));
                    sum += n;
                }
                if members > 0 {
                    let node = self.node((t, Place::Pool(*unit), Attr::Named), pooled, true);
                    // Each pooled school has fewer than k.
                    let most = (members as u64).saturating_mul(self.k - 1);
                    self.built.system.bound(node, 0, Some(most));
                    parts.push(node);
                    let parent = Place::Region(*d);
                    self.built
                        .school_parent
                        .insert((q, Place::Pool(*unit)), parent);
                    self.built.pools.entry(q).or_default().push(*unit);
                    sum += pooled;
                }
            }
            let total = self.node((t, Place::Region(*d), Attr::Named), sum, true);
            self.built.system.equation(total, parts);
            districts.push(total);
            placed += sum;
        }
        let all: u64 = per_school.values().sum();
        districts.push(self.node(
            (t, Place::SchoolRest, Attr::Named),
            all - placed.min(all),
            true,
        ));
        let named = self.node((t, province, Attr::Named), all, true);
        self.built.system.equation(named, districts);
        // Tips naming a school are some of the province's tips.
        let tips = self.tip(t, province, Attr::All, true);
        let count = self.tally.count(t, province, Attr::All).saturating_sub(all);
        let not_named = self.node((t, province, Attr::NotNamed), count, false);
        self.built.system.equation(tips, vec![named, not_named]);
    }

    /// How many active schools the directory places at each place of the tree.
    fn schools_at(&self) -> FxHashMap<Place, u64> {
        let mut at: FxHashMap<Place, u64> = FxHashMap::default();
        for s in self.dir.schools() {
            for place in self.tree.chain(s.region_id) {
                *at.entry(place).or_default() += 1;
            }
        }
        for place in self.tree.places() {
            at.entry(place).or_default();
        }
        at
    }
}
