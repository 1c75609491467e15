//! Staff accounts: roles, scopes and the rules for usernames and passwords.
//!
//! Who may see what is decided in `access.rs`; this file only says who someone is.

use super::Directory;
use super::text::clean_required;

/// Shortest and longest password, in characters (SECURITY.md R5).
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// What a staff member does, which decides what they may see (DESIGN.md, Roles).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Admin,
    Police,
    BorderGuard,
    SchoolLiaison,
    SchoolHead,
    Analyst,
}

impl Role {
    /// Roles that read tip content. School heads, analysts and admins never do.
    pub fn reads_tips(self) -> bool {
        matches!(self, Role::Police | Role::BorderGuard | Role::SchoolLiaison)
    }

    /// Roles whose scope is a list of schools rather than regions.
    pub fn scoped_by_school(self) -> bool {
        matches!(self, Role::SchoolLiaison | Role::SchoolHead)
    }
}

/// Where someone works: regions at any level (none means the whole province) and, for school
/// liaisons and heads, their schools.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub regions: Vec<i64>,
    pub schools: Vec<i64>,
}

impl Scope {
    /// Whether a region lies in this scope (an empty region list is province-wide).
    pub fn covers_region(&self, directory: &Directory, region: i64) -> bool {
        self.regions.is_empty()
            || self
                .regions
                .iter()
                .any(|&ancestor| directory.is_within(region, ancestor))
    }

    pub fn covers_school(&self, school: i64) -> bool {
        self.schools.contains(&school)
    }
}

/// A staff account as the rest of the program sees it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    pub disabled: bool,
}

/// Why a new account was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    #[error("usernames are 3 to 32 characters: lowercase letters, digits, '.', '-' or '_'")]
    BadUsername,
    #[error("passwords are 12 to 128 characters")]
    BadPassword,
    #[error("this role works on a list of schools: give at least one --school")]
    SchoolsRequired,
    #[error("only school liaisons and school heads have schools in their scope")]
    SchoolsNotAllowed,
    #[error("a region or school in the scope does not exist")]
    UnknownScope,
}

/// Checks a username: short, ASCII, no look-alikes, so it can be typed on any phone.
pub fn parse_username(raw: &str) -> Result<String, StaffError> {
    let name = raw.trim();
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(StaffError::BadUsername)
    }
}

/// Checks a password's length only: long passphrases beat composition rules (NIST 800-63B).
pub fn check_password(password: &str) -> Result<(), StaffError> {
    let chars = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(StaffError::BadPassword)
    }
}

/// Checks a scope against the role and the directory.
pub fn check_scope(role: Role, scope: &Scope, directory: &Directory) -> Result<(), StaffError> {
    if role.scoped_by_school() && scope.schools.is_empty() {
        return Err(StaffError::SchoolsRequired);
    }
    if !role.scoped_by_school() && !scope.schools.is_empty() {
        return Err(StaffError::SchoolsNotAllowed);
    }
    let regions_known = scope.regions.iter().all(|&r| directory.region(r).is_some());
    let schools_known = scope.schools.iter().all(|&s| directory.school(s).is_some());
    if regions_known && schools_known {
        Ok(())
    } else {
        Err(StaffError::UnknownScope)
    }
}

/// A short free-text reason (deadline extensions), cleaned like any other text.
pub fn parse_reason(raw: &str) -> Option<String> {
    clean_required(raw, 500).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    #[test]
    fn role_codes_are_the_contract_names() {
        let codes: Vec<&str> = Role::all().iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "admin",
                "police",
                "border_guard",
                "school_liaison",
                "school_head",
                "analyst"
            ]
        );
        assert_eq!(Role::from_code("border_guard"), Some(Role::BorderGuard));
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert_eq!(parse_username(" lan.nguyen ").unwrap(), "lan.nguyen");
        for bad in ["ab", "Lan", "lan nguyen", "lân", &"a".repeat(33)] {
            assert_eq!(parse_username(bad), Err(StaffError::BadUsername), "{bad}");
        }
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(129)).is_err());
        assert!(
            check_password(&"ắ".repeat(12)).is_ok(),
            "counted in characters"
        );
    }
}
