//! Tests of the photo sanitiser (R19).
