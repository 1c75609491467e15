//! The one integration-test binary (one link instead of many).

// Tests may panic on unexpected values: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod logs;

mod api;
mod browser;
mod copy;
mod durability;
mod keys;
mod ops;
mod order_at_rest;
mod pages;
mod phone;
mod properties;
mod regions;
mod security;
mod socket;
mod staff;
mod staff_pages;
mod startup;
mod store;
mod write_path;
