//! The API's side of the "under attack" mode (issue 18). Apps get no form pass and no
//! honeypot (they have no form a person fills in, and an app cannot be told to wait 3 s in a
//! way a bot could not); under attack they must solve the same proof of work as the page
//! script: `GET /api/v1/challenge`, then `POST /api/v1/tips` with the headers
//! `Tipline-Work` (the challenge) and `Tipline-Proof` (the counter that solves it).
//!
//! Must not store anything: `tips.rs` calls `require_proof` before storing.

use crate::domain::guard::Pass;
use crate::service::guard::Proof;
use crate::web::error::AppError;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

pub const WORK_HEADER: &str = "tipline-work";
pub const PROOF_HEADER: &str = "tipline-proof";

/// `GET /api/v1/challenge` → `{"under_attack": false}`, or under attack
/// `{"under_attack": true, "challenge", "prefix", "bits"}`: find a decimal counter `n` such
/// that SHA-256(`prefix` ":" `n`) starts with `bits` zero bits.
pub async fn challenge(State(state): State<AppState>) -> Json<Value> {
    let now = state.services.clock().now().unix_timestamp();
    let issued = state
        .services
        .guard()
        .work_pass(&state.services.keyring(), now);
    Json(
        match issued
            .as_deref()
            .and_then(|p| Pass::decode(p).map(|d| (p, d.0)))
        {
            Some((text, pass)) => json!({
                "under_attack": true,
                "challenge": text,
                "prefix": pass.nonce_hex(),
                "bits": pass.bits,
            }),
            None => json!({ "under_attack": false }),
        },
    )
}

/// Under attack, a tip needs a fresh solved challenge in its headers; otherwise nothing.
pub fn require_proof(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let now = state.services.clock().now().unix_timestamp();
    if !state.services.guard().under_attack(now) {
        return Ok(());
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let proof = state.services.guard().spend_proof(
        &state.services.keyring(),
        now,
        header(WORK_HEADER),
        header(PROOF_HEADER),
    );
    let reason = match proof {
        Proof::Fresh => return Ok(()),
        Proof::Reused => "reused",
        Proof::Invalid => "no_proof",
    };
    metrics::counter!(crate::web::metrics::SPAM_REFUSED, "reason" => reason).increment(1);
    Err(AppError::Forbidden {
        code: "proof_of_work_required",
        message: "Many tips are arriving: solve a challenge from GET /api/v1/challenge and send \
                  it in the Tipline-Work and Tipline-Proof headers (each challenge once)."
            .to_owned(),
    })
}
