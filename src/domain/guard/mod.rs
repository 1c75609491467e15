//! The pure rules of spam protection on the tip form (issue 18): the signed passes a form
//! carries and how old they may be (`pass`), the proof-of-work puzzle (`work`), and the tip-rate
//! window behind the automatic "under attack" switch (`surge`).
//!
//! Nothing here signs, draws random bytes or reads a clock: callers pass the time, the tag and
//! the nonce in. Nothing here knows a client: the rate is a count across the service.

pub mod pass;
pub mod surge;
pub mod work;

pub use pass::{Age, Pass, PassKind};
pub use surge::Surge;
