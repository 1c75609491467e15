//! Regions (province → district → commune) and schools: where a tip happened.
//!
//! The tree is data, not code: administrative units change (Việt Nam merged its units in 2025),
//! so it is loaded from the database, seeded from `seed/regions.csv` on first start.

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub border_area: bool,
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

    /// Regions a tipster picks from: the children of the top-level regions (districts), or the
    /// top level itself when the tree is flat.
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
            name: format!("r{id}"),
            parent_id,
            border_area: false,
        }
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
