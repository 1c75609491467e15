//! Building the count trees of a published table (`domain::suppression::Frame`) from counter
//! rows and the region tree, and turning the protected frame into rows.
//!
//! The region tree is always built whole (province → every former district → every unit), so
//! a table asked at the former-district level carries exactly the suppression of the same
//! table at the commune level: the two cannot be subtracted from each other.

use crate::domain::suppression::Frame;
use crate::domain::{Directory, RegionKind};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What a row is about: decides which rows a school head may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The whole province (also period totals of province-wide tables).
    Province,
    District(i64),
    /// A commune or ward, or the part of a district that named no unit.
    Unit,
    School(i64),
    /// "Other schools in the unit", schools the directory no longer lists, tips with no region.
    Pool,
}

/// One published row: its dimensions, and the count unless suppressed.
#[derive(Debug, Clone, Serialize)]
pub struct StatRow {
    #[serde(flatten)]
    pub dims: Map<String, Value>,
    pub count: Option<u64>,
    pub suppressed: bool,
    #[serde(skip)]
    pub subject: Subject,
}

impl StatRow {
    pub fn dim(&self, key: &str) -> Option<&Value> {
        self.dims.get(key)
    }
}

/// A frame with the rows that will show its nodes.
#[derive(Debug, Default)]
pub struct Builder {
    pub frame: Frame,
    rows: Vec<(usize, Subject, Map<String, Value>)>,
}

/// Dimensions from pairs.
pub fn dims<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

impl Builder {
    /// Shows `node` as a row.
    pub fn show(&mut self, node: usize, subject: Subject, dims: Map<String, Value>) {
        self.rows.push((node, subject, dims));
    }

    /// Protects the frame at `k` and returns its rows.
    pub fn finish(self, k: u64) -> Vec<StatRow> {
        let suppressed = self.frame.protect(k);
        self.rows
            .into_iter()
            .map(|(node, subject, dims)| StatRow {
                dims,
                count: (!suppressed[node]).then(|| self.frame.count(node)),
                suppressed: suppressed[node],
                subject,
            })
            .collect()
    }
}

/// The ids of the region tree: province, former districts, units under each.
#[derive(Debug, Clone)]
pub struct RegionTree {
    pub province: i64,
    pub districts: Vec<(i64, Vec<i64>)>,
    /// The former district each unit belongs to.
    pub district_of: HashMap<i64, i64>,
}

impl RegionTree {
    pub fn of(dir: &Directory) -> RegionTree {
        let province = dir
            .regions()
            .iter()
            .find(|r| r.parent_id.is_none())
            .map_or(0, |r| r.id);
        let mut district_of = HashMap::new();
        let districts = dir
            .districts()
            .into_iter()
            .filter(|d| d.kind == RegionKind::FormerDistrict)
            .map(|d| {
                let mut units: Vec<i64> = dir
                    .regions()
                    .iter()
                    .filter(|u| u.kind.is_unit() && u.parent_id == Some(d.id))
                    .map(|u| u.id)
                    .collect();
                units.sort_unstable();
                for &u in &units {
                    district_of.insert(u, d.id);
                }
                district_of.insert(d.id, d.id);
                (d.id, units)
            })
            .collect();
        RegionTree {
            province,
            districts,
            district_of,
        }
    }

    /// Adds one region tree of `counts` (per region id as stored: a unit, a district, the
    /// province or 0) to `b`, showing the province, the districts and, at the commune level,
    /// the units. Returns the node of each region id, for links (the part of a district or
    /// of the province that named nothing finer under the negated id).
    pub fn add(
        &self,
        b: &mut Builder,
        counts: &HashMap<i64, u64>,
        base: &Map<String, Value>,
        communes: bool,
    ) -> HashMap<i64, usize> {
        let with = |region: i64, extra: Option<(&str, Value)>| {
            let mut d = base.clone();
            d.insert("region_id".into(), Value::from(region));
            if let Some((k, v)) = extra {
                d.insert(k.into(), v);
            }
            d
        };
        let mut nodes = HashMap::new();
        let root = b.frame.total(None);
        nodes.insert(self.province, root);
        b.show(root, Subject::Province, with(self.province, None));
        for (district, units) in &self.districts {
            let d = b.frame.total(Some(root));
            nodes.insert(*district, d);
            b.show(d, Subject::District(*district), with(*district, None));
            for &unit in units {
                let n = counts.get(&unit).copied().unwrap_or(0);
                let leaf = b.frame.leaf(Some(d), n);
                nodes.insert(unit, leaf);
                if communes {
                    b.show(leaf, Subject::Unit, with(unit, None));
                }
            }
            let own = counts.get(district).copied().unwrap_or(0);
            if own > 0 {
                let leaf = b.frame.leaf(Some(d), own);
                nodes.insert(-district, leaf);
                if communes {
                    let flag = Some(("unspecified", Value::Bool(true)));
                    b.show(leaf, Subject::Unit, with(*district, flag));
                }
            }
        }
        // The province itself, no region, or a region the tree does not know.
        let rest: u64 = counts
            .iter()
            .filter(|(id, _)| !self.district_of.contains_key(id))
            .map(|(_, n)| n)
            .sum();
        if rest > 0 {
            let leaf = b.frame.leaf(Some(root), rest);
            nodes.insert(-self.province, leaf);
            let flag = Some(("unspecified", Value::Bool(true)));
            b.show(leaf, Subject::Pool, with(self.province, flag));
        }
        nodes
    }
}

/// Sums counter rows into a map by id.
pub fn by_id<'a>(
    rows: impl Iterator<Item = &'a crate::store::stats::CountRow>,
) -> HashMap<i64, u64> {
    let mut map = HashMap::new();
    for r in rows {
        *map.entry(r.id).or_default() += u64::try_from(r.n).unwrap_or(0);
    }
    map
}
