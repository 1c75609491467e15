//! Who may do what and see which tip: deny-by-default authorisation, in one place
//! (SECURITY.md R12, DESIGN.md Roles).
//!
//! `may` answers "may this role ever do this action"; `Visibility` answers "is this tip in this
//! person's jurisdiction". The staff queue's SQL filter is built from the same `Visibility`
//! value, so the list and the object-level check cannot disagree.

use super::staff::{Role, Staff};
use super::{Category, Directory};

/// Everything staff can ask of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListTips,
    OpenTip,
    /// Status changes other than escalation: classify, close.
    ChangeStatus,
    Assign,
    Escalate,
    AddNote,
    MessageTipster,
    ExtendDeadline,
    Intake,
    ManageStaff,
    ViewStatistics,
}

/// Whether a role may ever take an action. Anything not listed is refused.
// A table of allowed pairs reads better than one long `matches!`.
#[allow(clippy::match_like_matches_macro)]
pub fn may(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match (role, action) {
        (Police | BorderGuard, ListTips | OpenTip | ChangeStatus | Assign) => true,
        (Police | BorderGuard, AddNote | MessageTipster | ExtendDeadline | Intake) => true,
        (SchoolLiaison, ListTips | OpenTip | Escalate | AddNote | MessageTipster | Intake) => true,
        (Admin, ManageStaff) => true,
        (Police | BorderGuard | SchoolHead | Analyst, ViewStatistics) => true,
        _ => false,
    }
}

/// Categories the border guard sees wherever they are in its scope.
pub const BORDER_CATEGORIES: [Category; 2] =
    [Category::Trafficking, Category::DrugPlantCultivation];

/// The facts about a tip that decide who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TipPlace {
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub category: Category,
    pub involves_school_staff: bool,
}

/// The tips one person may see, as lists a query can bind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Every tip, those with no region included (province-wide police).
    pub all: bool,
    /// Every tip from these regions.
    pub regions: Vec<i64>,
    /// Tips in a border category, anywhere (province-wide border guard).
    pub border_categories_anywhere: bool,
    /// Tips in a border category from these regions.
    pub border_category_regions: Vec<i64>,
    /// Tips about these schools, unless they involve the school's staff.
    pub schools: Vec<i64>,
}

impl Visibility {
    /// What `staff` may see; nothing for roles that never read tips, or a disabled account.
    pub fn of(staff: &Staff, directory: &Directory) -> Visibility {
        if staff.disabled || !staff.role.reads_tips() {
            return Visibility::default();
        }
        let in_scope = |region: i64| staff.scope.covers_region(directory, region);
        let scoped: Vec<i64> = directory
            .regions()
            .iter()
            .map(|r| r.id)
            .filter(|&r| in_scope(r))
            .collect();
        match staff.role {
            Role::Police => Visibility {
                all: staff.scope.regions.is_empty(),
                regions: scoped,
                ..Visibility::default()
            },
            Role::BorderGuard => Visibility {
                regions: scoped
                    .iter()
                    .copied()
                    .filter(|&r| directory.region(r).is_some_and(|r| r.border_area))
                    .collect(),
                border_categories_anywhere: staff.scope.regions.is_empty(),
                border_category_regions: scoped,
                ..Visibility::default()
            },
            Role::SchoolLiaison => Visibility {
                schools: staff.scope.schools.clone(),
                ..Visibility::default()
            },
            _ => Visibility::default(),
        }
    }

    /// Whether a tip is in this jurisdiction. Out of jurisdiction is answered as "not found".
    pub fn covers(&self, tip: &TipPlace) -> bool {
        let in_regions = |list: &[i64]| tip.region_id.is_some_and(|r| list.contains(&r));
        let border = BORDER_CATEGORIES.contains(&tip.category);
        self.all
            || in_regions(&self.regions)
            || (border
                && (self.border_categories_anywhere || in_regions(&self.border_category_regions)))
            || (!tip.involves_school_staff
                && tip.school_id.is_some_and(|s| self.schools.contains(&s)))
    }

    /// Whether this person sees nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Visibility::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::staff::Scope;
    use crate::domain::{Region, RegionKind, School};

    fn region(id: i64, parent_id: Option<i64>, border_area: bool) -> Region {
        Region {
            id,
            code: id.to_string(),
            name: format!("r{id}"),
            kind: match parent_id {
                None => RegionKind::Province,
                Some(1) => RegionKind::FormerDistrict,
                Some(_) => RegionKind::Commune,
            },
            parent_id,
            border_area,
            active: true,
        }
    }

    fn directory() -> Directory {
        let school = School {
            id: 7,
            code: "s7".into(),
            name: "s7".into(),
            level: "primary".into(),
            region_id: 11,
            sample: false,
        };
        Directory::new(
            vec![
                region(1, None, true),
                region(10, Some(1), true),
                region(11, Some(10), true),
                region(12, Some(10), false),
                region(20, Some(1), false),
                region(21, Some(20), false),
            ],
            vec![school],
        )
    }

    fn staff(role: Role, regions: &[i64], schools: &[i64]) -> Staff {
        Staff {
            id: 1,
            username: "x".into(),
            role,
            scope: Scope {
                regions: regions.to_vec(),
                schools: schools.to_vec(),
            },
            disabled: false,
        }
    }

    fn tip(region_id: Option<i64>, category: Category) -> TipPlace {
        TipPlace {
            region_id,
            school_id: None,
            category,
            involves_school_staff: false,
        }
    }

    #[test]
    fn police_see_their_subtree_and_province_police_see_everything() {
        let d = directory();
        let district = Visibility::of(&staff(Role::Police, &[10], &[]), &d);
        assert!(district.covers(&tip(Some(11), Category::DrugUse)));
        assert!(district.covers(&tip(Some(10), Category::DrugUse)));
        assert!(!district.covers(&tip(Some(21), Category::DrugUse)));
        assert!(!district.covers(&tip(None, Category::DrugUse)));
        let province = Visibility::of(&staff(Role::Police, &[], &[]), &d);
        assert!(province.covers(&tip(None, Category::DrugUse)));
    }

    #[test]
    fn border_guard_see_border_units_and_border_categories_in_scope() {
        let d = directory();
        let guard = Visibility::of(&staff(Role::BorderGuard, &[10], &[]), &d);
        assert!(
            guard.covers(&tip(Some(11), Category::DrugUse)),
            "border unit"
        );
        assert!(
            !guard.covers(&tip(Some(12), Category::DrugUse)),
            "inland unit"
        );
        assert!(guard.covers(&tip(Some(12), Category::Trafficking)));
        assert!(
            !guard.covers(&tip(Some(21), Category::Trafficking)),
            "out of scope"
        );
        let province = Visibility::of(&staff(Role::BorderGuard, &[], &[]), &d);
        assert!(province.covers(&tip(None, Category::DrugPlantCultivation)));
        assert!(!province.covers(&tip(None, Category::DrugUse)));
        assert!(!province.covers(&tip(Some(21), Category::DrugUse)));
    }

    #[test]
    fn liaisons_see_their_schools_unless_staff_are_involved() {
        let d = directory();
        let liaison = Visibility::of(&staff(Role::SchoolLiaison, &[], &[7]), &d);
        let mut t = tip(Some(11), Category::DrugUse);
        assert!(!liaison.covers(&t));
        t.school_id = Some(7);
        assert!(liaison.covers(&t));
        t.involves_school_staff = true;
        assert!(!liaison.covers(&t));
    }

    #[test]
    fn heads_analysts_admins_and_disabled_accounts_see_nothing() {
        let d = directory();
        for role in [Role::SchoolHead, Role::Analyst, Role::Admin] {
            assert!(Visibility::of(&staff(role, &[], &[7]), &d).is_empty());
            assert!(!may(role, Action::OpenTip));
        }
        let mut police = staff(Role::Police, &[], &[]);
        police.disabled = true;
        assert!(Visibility::of(&police, &d).is_empty());
    }
}
