//! The rows of one period of a table, read from its protected year.

use super::frame::{RegionTree, StatRow, Subject};
use super::tables::MEASURES;
use super::year::{Attr, Cell, Key, Place, Time, YearFrame};
use serde_json::{Map, Value};

/// One period of one table: where its cells come from and the dimensions every row shares.
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub frame: &'a YearFrame,
    pub tree: &'a RegionTree,
    pub t: Time,
    pub base: &'a Map<String, Value>,
}

impl Rows<'_> {
    fn row(&self, cell: Cell, subject: Subject, extra: &[(&str, Value)]) -> StatRow {
        let mut dims = self.base.clone();
        for (k, v) in extra {
            dims.insert((*k).to_owned(), v.clone());
        }
        StatRow {
            dims,
            count: cell.count,
            suppressed: cell.suppressed,
            subject,
        }
    }

    /// Whether an optional row (a district's unspecified part, the rest of the province,
    /// schools not placed) is shown: unless it is a published zero. A hidden cell always has
    /// its row, so the row's presence says nothing the cell does not.
    fn listed(&self, key: Key) -> bool {
        self.frame
            .cell(key)
            .is_some_and(|c| c.suppressed || c.count > Some(0))
    }

    fn cell(&self, place: Place, attr: Attr) -> Cell {
        self.frame.cell_or_zero((self.t, place, attr))
    }

    /// The province, each former district and, at the commune level, each unit and each
    /// district's unspecified part; the rest of the province where it holds tips.
    pub fn regions(&self, attr: Attr, communes: bool, out: &mut Vec<StatRow>) {
        let region = |id: i64| ("region_id", Value::from(id));
        let unspecified = ("unspecified", Value::Bool(true));
        let province = self.tree.province;
        let cell = self.cell(Place::Region(province), attr);
        out.push(self.row(cell, Subject::Province, &[region(province)]));
        for (d, units) in &self.tree.districts {
            let cell = self.cell(Place::Region(*d), attr);
            out.push(self.row(cell, Subject::District(*d), &[region(*d)]));
            if !communes {
                continue;
            }
            for &u in units {
                let cell = self.cell(Place::Region(u), attr);
                out.push(self.row(cell, Subject::Unit, &[region(u)]));
            }
            if self.listed((self.t, Place::Unspecified(*d), attr)) {
                let cell = self.cell(Place::Unspecified(*d), attr);
                let extra = [region(*d), unspecified.clone()];
                out.push(self.row(cell, Subject::Unit, &extra));
            }
        }
        if self.listed((self.t, Place::Rest, attr)) {
            let cell = self.cell(Place::Rest, attr);
            out.push(self.row(cell, Subject::Pool, &[region(province), unspecified]));
        }
    }

    /// The province's total, then one row per code.
    pub fn breakdown<'c>(
        &self,
        key: &str,
        codes: impl Iterator<Item = &'c str>,
        attr: fn(usize) -> Attr,
        out: &mut Vec<StatRow>,
    ) {
        let province = Place::Region(self.tree.province);
        let total = self.cell(province, Attr::All);
        let extra = [(key, Value::Null), ("total", Value::Bool(true))];
        out.push(self.row(total, Subject::Province, &extra));
        for (i, code) in codes.enumerate() {
            let cell = self.cell(province, attr(i));
            out.push(self.row(cell, Subject::Province, &[(key, Value::from(code))]));
        }
    }

    /// In time and late, per measure, for the province.
    pub fn timeliness(&self, out: &mut Vec<StatRow>) {
        let province = Place::Region(self.tree.province);
        for (measure, prefix) in MEASURES {
            let attr = if prefix == "classified" {
                Attr::Classified
            } else {
                Attr::Decided
            };
            for (on_time, bucket) in [(true, 1), (false, 0)] {
                let cell = self.cell(province, attr(bucket));
                let extra = [
                    ("measure", Value::from(measure)),
                    ("on_time", Value::Bool(on_time)),
                ];
                out.push(self.row(cell, Subject::Province, &extra));
            }
        }
    }

    /// Tips naming a school: the province, each former district, the schools listed on
    /// their own and the pools of the others ("other schools in the unit").
    pub fn schools(&self, out: &mut Vec<StatRow>) {
        let Time::Quarter(q) = self.t else { return };
        let with = |school: Option<i64>, region: i64, pooled: bool| {
            let mut extra = vec![
                ("school_id", school.map_or(Value::Null, Value::from)),
                ("region_id", Value::from(region)),
            ];
            if pooled {
                extra.push(("pooled", Value::Bool(true)));
            }
            extra
        };
        let province = self.tree.province;
        let cell = self.cell(Place::Region(province), Attr::Named);
        out.push(self.row(cell, Subject::Province, &with(None, province, false)));
        let listed = self.frame.listed.get(&q).map_or(&[][..], Vec::as_slice);
        let pools = self.frame.pools.get(&q).map_or(&[][..], Vec::as_slice);
        for (d, units) in &self.tree.districts {
            let cell = self.cell(Place::Region(*d), Attr::Named);
            out.push(self.row(cell, Subject::District(*d), &with(None, *d, false)));
            for unit in units.iter().chain(std::iter::once(d)) {
                for &(school, _) in listed.iter().filter(|(_, u)| u == unit) {
                    let cell = self.cell(Place::School(school), Attr::Named);
                    let extra = with(Some(school), *unit, false);
                    out.push(self.row(cell, Subject::School(school), &extra));
                }
                if pools.contains(unit) {
                    let cell = self.cell(Place::Pool(*unit), Attr::Named);
                    out.push(self.row(cell, Subject::Pool, &with(None, *unit, true)));
                }
            }
        }
        if self.listed((self.t, Place::SchoolRest, Attr::Named)) {
            let cell = self.cell(Place::SchoolRest, Attr::Named);
            out.push(self.row(cell, Subject::Pool, &with(None, province, true)));
        }
    }
}
