//! Tests of `staff` (kept apart so the module stays readable).

use super::*;
use crate::domain::Code;
use serde_json::Value;
use std::collections::BTreeSet;

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

#[test]
fn every_staff_key_exists_in_every_language_and_none_is_empty() {
    let catalogue = |lang| serde_json::to_value(StaffTexts::of(lang)).unwrap();
    let reference = catalogue(Lang::Vi);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert!(keys(&reference).len() > 150, "the catalogue lost its keys");
    for &lang in Lang::ALL {
        let texts = catalogue(lang);
        assert_eq!(keys(&texts), keys(&reference), "{lang:?} has other keys");
        for key in keys(&texts) {
            let ours = texts[&key].as_str().unwrap();
            assert!(!ours.trim().is_empty(), "{lang:?}: {key} is empty");
            assert_eq!(
                placeholders(ours),
                placeholders(reference[&key].as_str().unwrap()),
                "{lang:?}: {key} fills in other words than Vietnamese"
            );
        }
    }
}

#[test]
fn every_code_has_a_name_and_every_done_code_a_message() {
    let s = StaffTexts::of(Lang::Vi);
    assert_eq!(s.role(Role::Police), "Công an");
    assert_eq!(s.status(Status::New), "Mới");
    for &a in AuditAction::all() {
        assert!(!s.audit_action(a).is_empty());
    }
    for code in ["classified", "assigned", "note", "closed", "signed_out"] {
        assert!(s.done(code).is_some(), "{code}");
    }
    assert_eq!(s.done("<script>"), None);
    assert_eq!(s.problem("no_such_code"), None);
}
