//! Cross-cutting layers shared by every audience: request ids and logging, security headers,
//! error bodies for the bare statuses that tower layers produce, and refusing unsafe requests
//! from other sites.
//!
//! Nothing here knows a page or an API route by name; audience-specific layers (rate limits,
//! body limits) belong to the audience's router.

pub mod cross_site;
pub mod error_bodies;
pub mod headers;
pub mod request_id;

pub use cross_site::refuse_cross_site;
pub use error_bodies::{error_bodies, fallback};
pub use headers::security_headers;
pub use request_id::request_context;
