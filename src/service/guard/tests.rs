use super::*;
use crate::domain::guard::work;

fn keys() -> (tempfile::TempDir, Keyring) {
    let dir = tempfile::tempdir().unwrap();
    let ring = Keyring::load_or_generate(&dir.path().join("keys"))
        .unwrap()
        .0;
    (dir, ring)
}

const T: i64 = 1_800_000_000;

fn offered(form: &str) -> Offered<'_> {
    Offered {
        form,
        ..Offered::default()
    }
}

#[test]
fn a_form_pass_is_refused_too_soon_and_too_late_and_kept_through_re_displays() {
    let (_d, ring) = keys();
    let guard = Guard::new(&SpamSettings::default());
    let pass = guard.form_pass(&ring, T, "");
    assert_eq!(guard.form_pass(&ring, T + 100, &pass), pass, "kept");
    let Verdict::Refused { why, form } = guard.check(&ring, T + 2, offered(&pass)) else {
        panic!()
    };
    assert_eq!((why, form.as_str()), (Refusal::TooFast, pass.as_str()));
    assert_eq!(guard.check(&ring, T + 3, offered(&pass)), Verdict::Pass);
    let Verdict::Refused { why, form } = guard.check(&ring, T + 7201, offered(&pass)) else {
        panic!()
    };
    assert_eq!(why, Refusal::TooOld);
    // One more press works at once with the pass the form came back with.
    assert_eq!(guard.check(&ring, T + 7201, offered(&form)), Verdict::Pass);
    assert_ne!(guard.form_pass(&ring, T + 7201, &pass), pass, "renewed");
}

#[test]
fn forged_altered_and_foreign_passes_are_refused() {
    let (_d, ring) = keys();
    let (_e, other) = keys();
    let guard = Guard::new(&SpamSettings::default());
    let pass = guard.form_pass(&ring, T, "");
    let earlier = pass.replacen(&T.to_string(), &(T - 60).to_string(), 1);
    let foreign = guard.form_pass(&other, T, "");
    let work_pass = guard.issue(&ring, PassKind::Work, T, 0);
    for bad in ["", "f1.1.0.x.y", &earlier, &foreign, &work_pass] {
        let Verdict::Refused { why, form } = guard.check(&ring, T + 10, offered(bad)) else {
            panic!("{bad}")
        };
        assert_eq!(why, Refusal::Unsigned);
        // The new pass is dated now: it cannot be used at once.
        assert!(matches!(
            guard.check(&ring, T + 10, offered(&form)),
            Verdict::Refused {
                why: Refusal::TooFast,
                ..
            }
        ));
    }
}

#[test]
fn a_filled_honeypot_is_refused() {
    let (_d, ring) = keys();
    let guard = Guard::new(&SpamSettings::default());
    let pass = guard.form_pass(&ring, T, "");
    let sent = Offered {
        trap: "http://spam.example",
        ..offered(&pass)
    };
    assert!(matches!(
        guard.check(&ring, T + 10, sent),
        Verdict::Refused {
            why: Refusal::Trap,
            ..
        }
    ));
}

#[test]
fn under_attack_a_proof_passes_once_and_a_wait_only_after_its_time() {
    let (_d, ring) = keys();
    let settings = SpamSettings {
        work_bits: 8,
        ..SpamSettings::default()
    };
    let guard = Guard::new(&settings);
    let pass = guard.form_pass(&ring, T, "");
    assert_eq!(guard.check(&ring, T + 5, offered(&pass)), Verdict::Pass);
    guard.set_manual(true);
    let Verdict::Wait {
        seconds,
        wait,
        work,
        ..
    } = guard.check(&ring, T + 5, offered(&pass))
    else {
        panic!()
    };
    assert_eq!(seconds, 5);
    // A proof of the challenge passes, once.
    let (challenge, _) = Pass::decode(&work).unwrap();
    let proof = work::solve(&challenge.nonce_hex(), 8).unwrap().to_string();
    let with_proof = Offered {
        work: &work,
        proof: &proof,
        ..offered(&pass)
    };
    assert_eq!(guard.check(&ring, T + 6, with_proof), Verdict::Pass);
    assert!(matches!(
        guard.check(&ring, T + 6, with_proof),
        Verdict::Wait { reused: true, .. }
    ));
    // The waiting pass: not before its time, then once.
    let waited = Offered {
        wait: &wait,
        ..offered(&pass)
    };
    let Verdict::Wait {
        seconds,
        wait: same,
        ..
    } = guard.check(&ring, T + 8, waited)
    else {
        panic!()
    };
    assert_eq!((seconds, same.as_str()), (2, wait.as_str()));
    assert_eq!(guard.check(&ring, T + 10, waited), Verdict::Pass);
    assert!(matches!(
        guard.check(&ring, T + 11, waited),
        Verdict::Wait { reused: true, .. }
    ));
}

#[test]
fn the_rate_switches_the_mode_on_and_the_cool_down_off() {
    let settings = SpamSettings {
        attack_tips_per_minute: 3,
        attack_cool_down_minutes: 1,
        ..SpamSettings::default()
    };
    let guard = Guard::new(&settings);
    assert!(!guard.under_attack(T));
    for i in 0..4 {
        guard.record_accepted(T + i);
    }
    assert!(guard.under_attack(T + 3));
    assert!(guard.under_attack(T + 62));
    assert!(!guard.under_attack(T + 63));
}

#[test]
fn spent_passes_are_bounded() {
    let mut spent = Spent::new(2);
    assert!(spent.spend([1; 16], 0, 10));
    assert!(spent.spend([2; 16], 0, 20));
    // Full of live entries: the one closest to expiring goes, a new proof is never refused.
    assert!(spent.spend([3; 16], 5, 30), "full, yet room is made");
    assert!(
        !spent.is_spent(&[1; 16], 5),
        "the soonest to expire was forgotten"
    );
    assert!(spent.is_spent(&[2; 16], 5) && spent.is_spent(&[3; 16], 5));
    assert!(!spent.spend([3; 16], 6, 30), "still spent");
    assert!(spent.spend([4; 16], 21, 40), "expired ones make room first");
    assert!(spent.is_spent(&[3; 16], 21));
}

#[test]
fn admits_says_what_check_would_without_spending_anything() {
    let (_d, ring) = keys();
    let settings = SpamSettings {
        work_bits: 8,
        ..SpamSettings::default()
    };
    let guard = Guard::new(&settings);
    let pass = guard.form_pass(&ring, T, "");
    assert!(!guard.admits(&ring, T + 1, offered(&pass)), "too soon");
    assert!(!guard.admits(&ring, T + 5, offered("forged")));
    let trapped = Offered {
        trap: "x",
        ..offered(&pass)
    };
    assert!(!guard.admits(&ring, T + 5, trapped));
    assert!(guard.admits(&ring, T + 5, offered(&pass)));
    guard.set_manual(true);
    assert!(!guard.admits(&ring, T + 5, offered(&pass)), "no proof");
    let Verdict::Wait { work, wait, .. } = guard.check(&ring, T + 5, offered(&pass)) else {
        panic!()
    };
    let (challenge, _) = Pass::decode(&work).unwrap();
    let proof = work::solve(&challenge.nonce_hex(), 8).unwrap().to_string();
    let with_proof = Offered {
        work: &work,
        proof: &proof,
        ..offered(&pass)
    };
    // Asking twice spends nothing; after `check` spent it, the proof is no longer admitted.
    assert!(guard.admits(&ring, T + 6, with_proof));
    assert!(guard.admits(&ring, T + 6, with_proof));
    assert_eq!(guard.check(&ring, T + 6, with_proof), Verdict::Pass);
    assert!(!guard.admits(&ring, T + 6, with_proof), "spent");
    let waited = Offered {
        wait: &wait,
        ..offered(&pass)
    };
    assert!(
        !guard.admits(&ring, T + 8, waited),
        "before the wait is over"
    );
    assert!(guard.admits(&ring, T + 10, waited));
}

#[test]
fn spent_passes_stay_within_their_cap_under_a_flood() {
    let mut spent = Spent::new(10);
    for i in 0..1_000u32 {
        let mut nonce = [0; 16];
        nonce[..4].copy_from_slice(&i.to_be_bytes());
        let now = i64::from(i / 7);
        assert!(spent.spend(nonce, now, now + 30));
        assert!(!spent.spend(nonce, now, now + 30), "once");
        assert!(spent.len() <= 10);
    }
}
