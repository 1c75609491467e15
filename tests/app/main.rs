//! The one integration-test binary (one link instead of many).

// Tests may panic on unexpected values: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod logs;

mod api;
mod browser;
mod copy;
mod durability;
mod pages;
mod phone;
mod security;
mod socket;
mod startup;
mod store;
