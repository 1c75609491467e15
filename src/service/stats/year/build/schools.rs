//! Schools with a confirmed case: per place and report period, and how a year's count
//! relates to its halves'.
//!
//! The plan's headline indicator is the drug-free school rate, with a 99.8 % target: with
//! suppression at k it would almost never show. A count of schools names no school at the
//! province or a former district (dozens to hundreds of schools each), and counts no people,
//! so there it is published exactly (issue 18): `System::disclose`. It stays a node of the
//! year's system, so every witness keeps it and no tip count can be worked out through it. A
//! commune's count stays protected like any other (1 of 3 schools comes close to naming one).

use super::{Attr, Builder, Place, Time};
use rustc_hash::{FxHashMap, FxHashSet};

impl Builder<'_> {
    /// The report's schools with at least one confirmed case in `t`, per place (a count of
    /// schools: the halves do not add up to the year, so no period equation).
    pub(super) fn schools_with_case(&mut self, t: Time, shown: &dyn Fn(Place) -> bool) {
        let cases = self.cases(t);
        let mut counts: FxHashMap<Place, u64> = FxHashMap::default();
        for school in cases {
            let region = self.dir.school(school).map_or(0, |s| s.region_id);
            for place in self.tree.chain(region) {
                *counts.entry(place).or_default() += 1;
            }
        }
        for (total, parts) in self.tree.equations() {
            let count = |p: &Place| counts.get(p).copied().unwrap_or(0);
            let total = self.node((t, total, Attr::Schools), count(&total), shown(total));
            let parts = parts
                .iter()
                .map(|p| self.node((t, *p, Attr::Schools), count(p), shown(*p)))
                .collect();
            // At most the schools the directory places there (the report shows that number).
            for (p, node) in self.schools_at() {
                if let Some(&n) = self.built.index.get(&(t, p, Attr::Schools)) {
                    self.built.system.bound(n, 0, Some(node));
                }
            }
            self.built.system.equation(total, parts);
        }
        for place in self.disclosed_places() {
            if let Some(&n) = self.built.index.get(&(t, place, Attr::Schools)) {
                self.built.system.disclose(n);
            }
        }
        // Schools the directory places in no former district: the province less its
        // districts, so known once both are.
        if let Some(&n) = self.built.index.get(&(t, Place::Rest, Attr::Schools)) {
            self.built.system.known(n);
        }
    }

    /// The places whose count of schools with a case is published exactly: the province and
    /// each former district.
    pub(super) fn disclosed_places(&self) -> Vec<Place> {
        let districts = self.tree.districts.iter().map(|(d, _)| Place::Region(*d));
        std::iter::once(Place::Region(self.tree.province))
            .chain(districts)
            .collect()
    }

    /// The schools with a confirmed case in `t`.
    fn cases(&self, t: Time) -> FxHashSet<i64> {
        self.tally
            .schools
            .iter()
            .filter(|&&(m, _, confirmed, n)| confirmed && n > 0 && t.months().contains(&m))
            .map(|&(_, school, _, _)| school)
            .collect()
    }

    /// A year's schools with a case are those of both halves less those in both: at least
    /// the larger half, at most their sum. Three unpublished counts per place make that an
    /// equation a witness must keep: the schools with a case in both halves, and in only the
    /// first or only the second (`Attr::SchoolsIn`).
    /// Where the halves and the year are disclosed, the three are worked out from them
    /// (both = H1 + H2 − year), so they are known, not protected.
    pub(super) fn school_halves(&mut self) {
        let disclosed = self.disclosed_places();
        let (first, second) = (self.cases(Time::Half(1)), self.cases(Time::Half(2)));
        let mut counts: FxHashMap<(Place, [bool; 2]), u64> = FxHashMap::default();
        for &school in first.union(&second) {
            let halves = [first.contains(&school), second.contains(&school)];
            let region = self.dir.school(school).map_or(0, |s| s.region_id);
            for place in self.tree.chain(region) {
                *counts.entry((place, halves)).or_default() += 1;
            }
        }
        for place in self.tree.places() {
            let node = |b: &Self, t| b.built.index.get(&(t, place, Attr::Schools)).copied();
            let (Some(h1), Some(h2), Some(year)) = (
                node(self, Time::Half(1)),
                node(self, Time::Half(2)),
                node(self, Time::Year),
            ) else {
                continue;
            };
            let mut split = |halves: [bool; 2]| {
                let n = counts.get(&(place, halves)).copied().unwrap_or(0);
                self.node((Time::Year, place, Attr::SchoolsIn(halves)), n, false)
            };
            let both = split([true, true]);
            let only_first = split([true, false]);
            let only_second = split([false, true]);
            let system = &mut self.built.system;
            if disclosed.contains(&place) || place == Place::Rest {
                for n in [both, only_first, only_second] {
                    system.known(n);
                }
            }
            system.equation(h1, vec![both, only_first]);
            system.equation(h2, vec![both, only_second]);
            system.equation(year, vec![both, only_first, only_second]);
        }
    }
}
