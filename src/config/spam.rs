//! `[spam]`: the form's time bounds and the "under attack" mode (issue 18). See the README's
//! "Spam and floods" for what a tipster sees.

use anyhow::bail;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpamSettings {
    /// A tip sent sooner than this many seconds after its form was served is refused (the form
    /// comes back with everything kept). People do not fill a form in 3 s; simple bots do.
    pub min_form_seconds: u64,
    /// A form served longer ago than this is refused the same way (2 h): a pass stays usable
    /// long enough for a slow typist, not for a bot's stockpile.
    pub max_form_seconds: u64,
    /// The manual switch: the "under attack" mode is on whatever the rate.
    /// `TIPLINE_SPAM_UNDER_ATTACK=1` sets it too.
    pub under_attack: bool,
    /// The automatic switch: more tips than this accepted in the last minute across the whole
    /// service turn the mode on (0: never). A province's tip line gets a few a day; a school
    /// assembly after a talk may bring dozens in a few minutes, and then the mode costs them a
    /// second or a short wait, nothing more.
    pub attack_tips_per_minute: u32,
    /// Minutes the automatic mode stays on after the rate falls back to the threshold.
    pub attack_cool_down_minutes: u64,
    /// Proof-of-work difficulty in leading zero bits of SHA-256: 2^bits tries expected.
    ///
    /// 16 bits (65,536 tries expected) by these numbers: the script hashes one SHA-256 block
    /// per try in plain JavaScript; headless Chromium on this project's 2-core build machine
    /// does about 1–2 million a second, and a cheap Android Go phone (Cortex-A53, V8) is 10–20
    /// times slower, about 100,000 a second: 0.3–1 s on average. KaiOS feature phones are
    /// slower still (2–3 s), and phones without JavaScript get the waiting page instead.
    /// Each extra bit doubles the time.
    pub work_bits: u8,
    /// Seconds a JavaScript-off browser waits on the waiting page before Send is accepted.
    pub wait_seconds: u64,
    /// Seconds a work or wait pass stays usable once issued.
    pub pass_seconds: u64,
    /// Most solved puzzles and used waiting passes remembered at once (each is refused a
    /// second time while it is remembered and unexpired). Memory only: a restart forgets them,
    /// so a proof could be used once more right after a restart, within `pass_seconds`.
    pub max_spent_passes: usize,
}

impl Default for SpamSettings {
    fn default() -> Self {
        SpamSettings {
            min_form_seconds: 3,
            max_form_seconds: 2 * 60 * 60,
            under_attack: false,
            attack_tips_per_minute: 60,
            attack_cool_down_minutes: 15,
            work_bits: 16,
            wait_seconds: 5,
            pass_seconds: 30 * 60,
            max_spent_passes: 100_000,
        }
    }
}

impl SpamSettings {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.min_form_seconds >= self.max_form_seconds {
            bail!("spam: min_form_seconds must be below max_form_seconds");
        }
        if self.work_bits > 28 {
            bail!(
                "spam: work_bits = {} would take minutes on a phone; use 28 or fewer (default 16)",
                self.work_bits
            );
        }
        if self.wait_seconds > 120 || self.wait_seconds >= self.pass_seconds {
            bail!("spam: wait_seconds must be at most 120 and below pass_seconds");
        }
        if self.max_spent_passes == 0 {
            bail!("spam: max_spent_passes must be at least 1");
        }
        Ok(())
    }
}
