//! The one integration-test binary (one link instead of many).

mod helpers;

mod api;
mod pages;
mod security;
mod socket;
mod store;
