//! Tests of the photo sanitiser (R19): fixtures that look like what phones and editors send,
//! what must not survive, what must be refused, and that nothing panics.

mod containers;
mod fixtures;
mod proptests;
mod refusals;
mod sanitise;
mod verify;
