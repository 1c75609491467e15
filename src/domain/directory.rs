//! Regions (province → former district → commune/ward) and schools: where a tip happened.
//!
//! The tree is data, not code: administrative units change (Việt Nam abolished its district
//! level on 1 July 2025), so it is loaded from the database — shipped by migration 0002 from
//! `seed/son-la-communes-2025.csv`, replaced later with `tipline regions import`. The 12 former
//! districts stay in the tree as reporting areas: the plan sets its indicators per district.

use serde::Serialize;
use std::collections::HashMap;

/// School levels of the Vietnamese system, including ethnic boarding schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchoolLevel {
    Preschool,
    Primary,
    LowerSecondary,
    UpperSecondary,
    MultiLevel,
    ContinuingEducation,
    Vocational,
    EthnicBoarding,
}

impl SchoolLevel {
    pub const ALL: &'static [SchoolLevel] = &[
        SchoolLevel::Preschool,
        SchoolLevel::Primary,
        SchoolLevel::LowerSecondary,
        SchoolLevel::UpperSecondary,
        SchoolLevel::MultiLevel,
        SchoolLevel::ContinuingEducation,
        SchoolLevel::Vocational,
        SchoolLevel::EthnicBoarding,
    ];

    /// The stable code used in the API, the database and reports.
    pub fn code(self) -> &'static str {
        match self {
            SchoolLevel::Preschool => "preschool",
            SchoolLevel::Primary => "primary",
            SchoolLevel::LowerSecondary => "lower_secondary",
            SchoolLevel::UpperSecondary => "upper_secondary",
            SchoolLevel::MultiLevel => "multi_level",
            SchoolLevel::ContinuingEducation => "continuing_education",
            SchoolLevel::Vocational => "vocational",
            SchoolLevel::EthnicBoarding => "ethnic_boarding",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// The level of a region in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    Province,
    /// A pre-2025 district (huyện, thị xã, thành phố): a reporting area, no longer a level of
    /// government.
    FormerDistrict,
    /// Xã.
    Commune,
    /// Phường.
    Ward,
}

impl RegionKind {
    pub const ALL: &'static [RegionKind] = &[
        RegionKind::Province,
        RegionKind::FormerDistrict,
        RegionKind::Commune,
        RegionKind::Ward,
    ];

    /// The stable code used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            RegionKind::Province => "province",
            RegionKind::FormerDistrict => "former_district",
            RegionKind::Commune => "commune",
            RegionKind::Ward => "ward",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// Communes and wards: the units people live in, tips are routed to and schools belong to.
    pub fn is_unit(self) -> bool {
        matches!(self, RegionKind::Commune | RegionKind::Ward)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub id: i64,
    /// The official code of a commune or ward (Decision 19/2025/QĐ-TTg), the pre-2025 code of a
    /// former district, `14` for the province. Codes were reused across the 2025 reform for
    /// different units: never match pre- and post-reform data by code.
    pub code: String,
    pub name: String,
    pub kind: RegionKind,
    pub parent_id: Option<i64>,
    /// On the Lao border (border guards see border-category tips here). A former district is
    /// flagged when any of its units is.
    pub border_area: bool,
    /// Retired by a later reorganisation: kept for the tips, schools and facts that name it,
    /// no longer offered.
    #[serde(skip)]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct School {
    pub id: i64,
    /// The official or importer-given code; re-imports match on it.
    #[serde(skip)]
    pub code: String,
    pub name: String,
    pub level: String,
    pub region_id: i64,
    /// From the shipped sample list rather than a real import.
    #[serde(skip)]
    pub sample: bool,
}

/// The in-memory copy of regions and active schools, for validation and for the form.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    regions: Vec<Region>,
    schools: Vec<School>,
    region_index: HashMap<i64, usize>,
    school_index: HashMap<i64, usize>,
}

impl Directory {
    pub fn new(regions: Vec<Region>, schools: Vec<School>) -> Self {
        let region_index = regions.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let school_index = schools.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        Directory {
            regions,
            schools,
            region_index,
            school_index,
        }
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn schools(&self) -> &[School] {
        &self.schools
    }

    pub fn region(&self, id: i64) -> Option<&Region> {
        self.region_index.get(&id).map(|&i| &self.regions[i])
    }

    pub fn school(&self, id: i64) -> Option<&School> {
        self.school_index.get(&id).map(|&i| &self.schools[i])
    }

    /// Whether `region` is `ancestor` or lies below it. Bounded by the tree's size, so a cycle
    /// in bad data cannot loop forever.
    pub fn is_within(&self, region: i64, ancestor: i64) -> bool {
        let mut current = Some(region);
        for _ in 0..=self.regions.len() {
            match current {
                Some(id) if id == ancestor => return true,
                Some(id) => current = self.region(id).and_then(|r| r.parent_id),
                None => return false,
            }
        }
        false
    }

    /// The former districts (children of the top-level regions), or the top level itself when
    /// the tree is flat.
    pub fn districts(&self) -> Vec<&Region> {
        let roots: Vec<i64> = self
            .regions
            .iter()
            .filter(|r| r.parent_id.is_none())
            .map(|r| r.id)
            .collect();
        let children: Vec<&Region> = self
            .regions
            .iter()
            .filter(|r| r.parent_id.is_some_and(|p| roots.contains(&p)))
            .collect();
        if children.is_empty() {
            self.regions
                .iter()
                .filter(|r| r.parent_id.is_none())
                .collect()
        } else {
            children
        }
    }

    /// Active regions that a tip may name.
    pub fn active_regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| r.active)
    }

    /// The active commune or ward with this official code. Leading zeros may be missing (a
    /// spreadsheet drops them): `3646` finds `03646`.
    pub fn unit_by_code(&self, code: &str) -> Option<&Region> {
        let code = code.trim();
        let digits = code.trim_start_matches('0');
        self.active_regions().find(|r| {
            r.kind.is_unit()
                && (r.code == code
                    || (!digits.is_empty() && r.code.trim_start_matches('0') == digits))
        })
    }

    /// What the form offers: each active former district with its active communes and wards,
    /// in code order (the official lists' order), districts in id order.
    pub fn units_by_district(&self) -> Vec<(&Region, Vec<&Region>)> {
        self.districts()
            .into_iter()
            .filter(|d| d.active)
            .map(|d| {
                let mut units: Vec<&Region> = self
                    .active_regions()
                    .filter(|u| u.kind.is_unit() && u.parent_id == Some(d.id))
                    .collect();
                units.sort_by(|a, b| a.code.cmp(&b.code));
                (d, units)
            })
            .collect()
    }

    /// Rolls counts per region up the tree: each count is added to its region and to every
    /// region above it (commune → former district → province), so per-commune and per-district
    /// views come from the same facts. Counts for unknown regions are kept on their own id.
    pub fn roll_up(&self, counts: impl IntoIterator<Item = (i64, u64)>) -> HashMap<i64, u64> {
        let mut totals: HashMap<i64, u64> = HashMap::new();
        for (region, count) in counts {
            let mut current = Some(region);
            // Bounded like is_within, so a cycle in bad data cannot loop forever.
            for _ in 0..=self.regions.len() {
                let Some(id) = current else { break };
                *totals.entry(id).or_default() += count;
                current = self.region(id).and_then(|r| r.parent_id);
            }
        }
        totals
    }

    /// Schools in `region` or anywhere below it, in name order.
    pub fn schools_within(&self, region: i64) -> Vec<&School> {
        let mut schools: Vec<&School> = self
            .schools
            .iter()
            .filter(|s| self.is_within(s.region_id, region))
            .collect();
        schools.sort_by(|a, b| a.name.cmp(&b.name));
        schools
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(id: i64, parent_id: Option<i64>) -> Region {
        Region {
            id,
            code: format!("{id:05}"),
            name: format!("r{id}"),
            kind: match parent_id {
                None => RegionKind::Province,
                Some(1) => RegionKind::FormerDistrict,
                Some(_) => RegionKind::Commune,
            },
            parent_id,
            border_area: false,
            active: true,
        }
    }

    #[test]
    fn counts_roll_up_from_commune_to_former_district_to_province() {
        let dir = Directory::new(
            vec![
                region(1, None),
                region(2, Some(1)),
                region(3, Some(2)),
                region(4, Some(2)),
                region(5, Some(1)),
            ],
            vec![],
        );
        let totals = dir.roll_up([(3, 2), (4, 5), (2, 1), (5, 7)]);
        assert_eq!(totals.get(&3), Some(&2));
        assert_eq!(
            totals.get(&2),
            Some(&8),
            "district: its communes and itself"
        );
        assert_eq!(totals.get(&5), Some(&7));
        assert_eq!(totals.get(&1), Some(&15), "province: everything");
    }

    #[test]
    fn units_are_found_by_code_with_or_without_leading_zeros() {
        let dir = Directory::new(
            vec![region(1, None), region(2, Some(1)), region(3646, Some(2))],
            vec![],
        );
        assert_eq!(dir.unit_by_code("03646").map(|r| r.id), Some(3646));
        assert_eq!(dir.unit_by_code("3646").map(|r| r.id), Some(3646));
        assert_eq!(
            dir.unit_by_code("00002"),
            None,
            "a former district is not a unit"
        );
        let grouped = dir.units_by_district();
        assert_eq!(grouped.len(), 1);
        assert_eq!(grouped[0].1.len(), 1);
    }

    #[test]
    fn is_within_walks_up_the_tree_and_survives_cycles() {
        let dir = Directory::new(
            vec![
                region(1, None),
                region(2, Some(1)),
                region(3, Some(2)),
                region(8, Some(9)),
                region(9, Some(8)),
            ],
            vec![],
        );
        assert!(dir.is_within(3, 1));
        assert!(dir.is_within(3, 3));
        assert!(!dir.is_within(1, 3));
        assert!(!dir.is_within(8, 1));
        assert_eq!(
            dir.districts().iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![2]
        );
    }
}
