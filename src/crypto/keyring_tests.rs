//! Tests of the key files: permissions, owners, fingerprints, a missing primary.

use super::*;

#[test]
fn r14_generated_keys_are_owner_only_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let (ring, generated) = Keyring::load_or_generate(&keys).unwrap();
    assert!(generated);
    for entry in fs::read_dir(&keys).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o400);
    }
    let (again, generated) = Keyring::load_or_generate(&keys).unwrap();
    assert!(!generated);
    assert_eq!(ring.receipt_lookup_id("1"), again.receipt_lookup_id("1"));
    assert!(!format!("{ring:?}").contains(&hex::encode(ring.primary().1)));
}

#[test]
fn r14_world_readable_key_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    Keyring::generate(&keys).unwrap();
    let pepper = keys.join(PEPPER_FILE);
    fs::set_permissions(&pepper, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Keyring::load(&keys).unwrap_err();
    assert!(matches!(err, KeyringError::Permissions(_)));
    assert!(err.to_string().contains("chmod 400"));
}

#[test]
fn r35_fingerprints_name_every_key_and_differ_between_installations() {
    let dir = tempfile::tempdir().unwrap();
    let (one, _) = Keyring::load_or_generate(&dir.path().join("a")).unwrap();
    let (two, _) = Keyring::load_or_generate(&dir.path().join("b")).unwrap();
    let prints = one.fingerprints();
    assert_eq!(prints.len(), 2);
    assert_eq!(prints[0].0, PEPPER_PURPOSE);
    assert_eq!(prints[1].0, format!("kek-{}", one.primary_id()));
    assert_eq!(prints, one.fingerprints(), "stable");
    assert_ne!(prints[0].1, two.fingerprints()[0].1);
    assert_ne!(prints[0].1, prints[1].1);
    let key_hex = hex::encode(one.receipt_pepper.expose_secret());
    assert!(
        prints.iter().all(|(_, f)| *f != key_hex),
        "never the key itself"
    );
}

#[test]
fn r35_a_keys_directory_others_can_open_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    Keyring::generate(&keys).unwrap();
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o777)).unwrap();
    let err = Keyring::load(&keys).unwrap_err();
    assert!(
        matches!(err, KeyringError::DirectoryPermissions { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chmod 700"), "{err}");
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o750)).unwrap();
    assert!(Keyring::load(&keys).is_err(), "group access is refused too");
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o500)).unwrap();
    Keyring::load(&keys).unwrap();
}

#[test]
fn r35_a_key_file_owned_by_another_user_is_refused_with_the_fix() {
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("not root: cannot give a file to another user; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    Keyring::generate(&keys).unwrap();
    let pepper = keys.join(PEPPER_FILE);
    std::os::unix::fs::chown(&pepper, Some(65534), None).unwrap();
    let err = Keyring::load(&keys).unwrap_err();
    assert!(
        matches!(err, KeyringError::Owner { owner: 65534, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chown 0"), "{err}");
    std::os::unix::fs::chown(&pepper, Some(0), None).unwrap();
    std::os::unix::fs::chown(&keys, Some(65534), None).unwrap();
    let err = Keyring::load(&keys).unwrap_err();
    assert!(
        matches!(err, KeyringError::Owner { .. }),
        "the directory too: {err}"
    );
}

#[test]
fn r14_missing_primary_kek_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let id = Keyring::generate(&keys).unwrap();
    fs::remove_file(keys.join(format!("kek-{id}.key"))).unwrap();
    assert!(matches!(
        Keyring::load(&keys),
        Err(KeyringError::MissingPrimary(_))
    ));
}
