//! SECURITY.md promises that need the whole application: R1–R4, R13, R18, R22, R23, R26–R28, R36.

mod cross_site;
mod http;
mod limits;
mod privacy;
mod spam;
