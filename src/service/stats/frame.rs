//! Published rows and the region tree they are built over.
//!
//! The region tree is always protected whole (province → every former district → every
//! unit), so a table asked at the former-district level carries exactly the suppression of
//! the same table at the commune level: the two cannot be subtracted from each other.

use super::year::Place;
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

/// Dimensions from pairs.
pub fn dims<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
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

    /// The place a stored region id counts in, then every place above it: a unit, its
    /// former district, the province; a former district's own tips, the district, the
    /// province; anything else, the rest of the province and the province.
    pub fn chain(&self, region: i64) -> Vec<Place> {
        let province = Place::Region(self.province);
        match self.district_of.get(&region) {
            Some(&d) if d == region => vec![Place::Unspecified(d), Place::Region(d), province],
            Some(&d) => vec![Place::Region(region), Place::Region(d), province],
            None => vec![Place::Rest, province],
        }
    }

    /// The tree's equations: the province is its districts and the rest; a district is its
    /// units and its own unspecified part.
    pub fn equations(&self) -> Vec<(Place, Vec<Place>)> {
        let mut top: Vec<Place> = self
            .districts
            .iter()
            .map(|(d, _)| Place::Region(*d))
            .collect();
        top.push(Place::Rest);
        let mut out = vec![(Place::Region(self.province), top)];
        for (d, units) in &self.districts {
            let mut parts: Vec<Place> = units.iter().map(|&u| Place::Region(u)).collect();
            parts.push(Place::Unspecified(*d));
            out.push((Place::Region(*d), parts));
        }
        out
    }

    /// Every place of the tree, the province first, then each district with its units.
    pub fn places(&self) -> Vec<Place> {
        let mut out = vec![Place::Region(self.province)];
        for (d, units) in &self.districts {
            out.push(Place::Region(*d));
            out.extend(units.iter().map(|&u| Place::Region(u)));
            out.push(Place::Unspecified(*d));
        }
        out.push(Place::Rest);
        out
    }
}
