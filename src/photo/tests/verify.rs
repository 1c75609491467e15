//! R19: the re-parse refuses any segment but image data, and anything after EOI.

use super::fixtures::{encode_jpeg, gradient, jpeg_segment, splice};
use crate::photo::{PhotoError, sanitise, verify_clean_jpeg};

fn clean_jpeg() -> Vec<u8> {
    sanitise(&encode_jpeg(&gradient(32, 24)))
        .expect("accepted")
        .jpeg
}

#[test]
fn r19_the_reparse_accepts_the_encoders_own_output() {
    assert_eq!(verify_clean_jpeg(&clean_jpeg()), Ok(()));
}

#[test]
fn r19_the_reparse_refuses_an_exif_app1() {
    let jpeg = splice(&clean_jpeg(), &[jpeg_segment(0xE1, b"Exif\0\0II*\0")], b"");
    assert_eq!(verify_clean_jpeg(&jpeg), Err(PhotoError::MetadataRemained));
}

#[test]
fn r19_the_reparse_refuses_icc_iptc_and_adobe_segments() {
    for marker in [0xE2, 0xED, 0xEE, 0xEF] {
        let jpeg = splice(&clean_jpeg(), &[jpeg_segment(marker, b"anything")], b"");
        assert_eq!(verify_clean_jpeg(&jpeg), Err(PhotoError::MetadataRemained));
    }
}

#[test]
fn r19_the_reparse_refuses_a_comment() {
    let jpeg = splice(&clean_jpeg(), &[jpeg_segment(0xFE, b"hello")], b"");
    assert_eq!(verify_clean_jpeg(&jpeg), Err(PhotoError::MetadataRemained));
}

#[test]
fn r19_the_reparse_refuses_any_byte_after_eoi() {
    for trailer in [&b"\0"[..], b"\0\0\0\x18ftypmp42", &clean_jpeg()] {
        let jpeg = splice(&clean_jpeg(), &[], trailer);
        assert_eq!(verify_clean_jpeg(&jpeg), Err(PhotoError::MetadataRemained));
    }
}

#[test]
fn r19_the_reparse_refuses_a_jfif_thumbnail_and_a_jfxx_extension() {
    let clean = clean_jpeg();
    // The encoder's APP0 (bytes 2..20) with a 1×1 thumbnail: 3 more bytes of RGB.
    let mut with_thumbnail = clean[..2].to_vec();
    with_thumbnail.extend_from_slice(&jpeg_segment(
        0xE0,
        b"JFIF\0\x01\x02\0\0\x01\0\x01\x01\x01\xAA\xBB\xCC",
    ));
    with_thumbnail.extend_from_slice(&clean[20..]);
    assert_eq!(
        verify_clean_jpeg(&with_thumbnail),
        Err(PhotoError::MetadataRemained)
    );
    let jfxx = splice(&clean, &[jpeg_segment(0xE0, b"JFXX\0\x10thumbnail")], b"");
    assert_eq!(verify_clean_jpeg(&jfxx), Err(PhotoError::MetadataRemained));
}

#[test]
fn r19_the_reparse_refuses_a_second_soi_a_missing_eoi_and_a_truncated_segment() {
    let clean = clean_jpeg();
    let mut double_soi = clean[..2].to_vec();
    double_soi.extend_from_slice(&clean);
    assert_eq!(
        verify_clean_jpeg(&double_soi),
        Err(PhotoError::MetadataRemained)
    );
    let no_eoi = &clean[..clean.len() - 2];
    assert_eq!(verify_clean_jpeg(no_eoi), Err(PhotoError::MetadataRemained));
    assert_eq!(
        verify_clean_jpeg(&clean[..30]),
        Err(PhotoError::MetadataRemained)
    );
    assert_eq!(verify_clean_jpeg(b""), Err(PhotoError::MetadataRemained));
}
