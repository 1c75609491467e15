//! Sealed fields and wrapped data keys, altered every way a stranger with the database could:
//! a flipped bit, a shorter or longer blob, another record's id. Never opens, never panics.

use super::config;
use proptest::prelude::*;
use std::sync::LazyLock;
use tipline::crypto::{Dek, Keyring};

/// Keys loaded into memory; their folder is removed at once.
struct Fixture {
    keyring: Keyring,
    dek: Dek,
    sealed: Vec<u8>,
    wrapped: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::load_or_generate(&dir.path().join("keys"))
        .unwrap()
        .0;
    let dek = Dek::generate().unwrap();
    let sealed = dek
        .seal("tips", "t1", "content", b"canary tip text")
        .unwrap();
    let wrapped = keyring.wrap(&dek, "t1").unwrap().blob;
    drop(dir);
    Fixture {
        keyring,
        dek,
        sealed,
        wrapped,
    }
});

/// One way of altering a blob.
#[derive(Debug, Clone)]
enum Change {
    Flip { at: usize, mask: u8 },
    Truncate { to: usize },
    Extend { with: Vec<u8> },
    Replace { with: Vec<u8> },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Change::Flip { at, mask }),
        any::<usize>().prop_map(|to| Change::Truncate { to }),
        proptest::collection::vec(any::<u8>(), 1..64).prop_map(|with| Change::Extend { with }),
        proptest::collection::vec(any::<u8>(), 0..128).prop_map(|with| Change::Replace { with }),
    ]
}

fn apply(blob: &[u8], change: &Change) -> Vec<u8> {
    let mut out = blob.to_vec();
    match change {
        Change::Flip { at, mask } => out[at % blob.len()] ^= mask,
        Change::Truncate { to } => out.truncate(to % blob.len()),
        Change::Extend { with } => out.extend(with),
        Change::Replace { with } => out = with.clone(),
    }
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_altered_sealed_field_never_opens(change in change()) {
        let f = &*FIXTURE;
        let altered = apply(&f.sealed, &change);
        prop_assume!(altered != f.sealed);
        prop_assert!(f.dek.open("tips", "t1", "content", &altered).is_err());
    }

    #[test]
    fn an_altered_wrapped_key_never_unwraps(change in change()) {
        let f = &*FIXTURE;
        let altered = apply(&f.wrapped, &change);
        prop_assume!(altered != f.wrapped);
        prop_assert!(f.keyring.unwrap(&altered, "t1").is_err());
    }

    #[test]
    fn a_wrapped_key_opens_for_its_own_record_only(record in "\\PC{0,40}") {
        let f = &*FIXTURE;
        prop_assume!(record != "t1");
        prop_assert!(f.keyring.unwrap(&f.wrapped, &record).is_err());
        prop_assert!(f.dek.open("tips", &record, "content", &f.sealed).is_err());
    }
}
