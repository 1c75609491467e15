//! R19: what is refused, and with which reason — by magic bytes, by header, before decoding.

use super::containers::png_header_only;
use super::fixtures::{encode_jpeg, gradient};
use crate::photo::{Kind, MAX_PHOTO_BYTES, PhotoError, kind, sanitise};

#[test]
fn r19_the_kind_comes_from_magic_bytes_only() {
    let jpeg = encode_jpeg(&gradient(8, 8));
    assert_eq!(kind(&jpeg), Ok(Kind::Jpeg));
    assert_eq!(kind(b"\x89PNG\r\n\x1a\n...."), Ok(Kind::Png));
    assert_eq!(kind(b"RIFF\0\0\0\0WEBPVP8L"), Ok(Kind::Webp));
    assert_eq!(kind(b"RIFF\0\0\0\0WAVEfmt "), Err(PhotoError::NotAPhoto));
    // A JPEG's name or type header would say "photo.jpg"; its bytes say PDF.
    assert_eq!(kind(b"%PDF-1.7\n"), Err(PhotoError::NotAPhoto));
}

#[test]
fn r19_heic_and_avif_are_recognised_so_the_page_can_ask_for_a_screenshot() {
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0meta";
    let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf\0\0\0\0meta";
    let mif1_then_heic = b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic";
    let hevc_sequence = b"\0\0\0\x14ftyphevc\0\0\0\0msf1";
    for input in [&heic[..], avif, mif1_then_heic, hevc_sequence] {
        assert_eq!(kind(input), Err(PhotoError::HeicOrAvif));
        assert_eq!(sanitise(input).err(), Some(PhotoError::HeicOrAvif));
    }
}

#[test]
fn r19_random_bytes_a_pdf_an_svg_a_video_and_nothing_are_not_photos() {
    let random: Vec<u8> = (0u32..4096)
        .map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0))
        .collect();
    let inputs: [&[u8]; 6] = [
        &random,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>",
        b"\0\0\0\x18ftypmp42\0\0\0\0isommp42",
        b"\xFF\xD8",
        b"",
    ];
    for input in inputs {
        assert_eq!(sanitise(input).err(), Some(PhotoError::NotAPhoto));
    }
}

#[test]
fn a_truncated_jpeg_is_unreadable_not_a_panic() {
    let jpeg = encode_jpeg(&gradient(64, 48));
    for cut in [3, 20, 100, 300] {
        assert_eq!(
            sanitise(&jpeg[..cut]).err(),
            Some(PhotoError::Unreadable),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_png_header_claiming_30000_by_30000_is_refused_before_decoding() {
    // 900 megapixels, 2.7 GB decoded: refused from a 100-byte header without allocating.
    let input = png_header_only(30_000, 30_000);
    assert!(input.len() < 200);
    assert_eq!(sanitise(&input).err(), Some(PhotoError::TooManyPixels));
}

#[test]
fn a_png_header_with_sides_in_range_but_81_megapixels_is_refused() {
    let input = png_header_only(9_000, 9_000);
    assert_eq!(sanitise(&input).err(), Some(PhotoError::TooManyPixels));
}

#[test]
fn a_jpeg_frame_header_over_20000_pixels_wide_is_refused() {
    let mut jpeg = encode_jpeg(&gradient(16, 16));
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a SOF0");
    // SOF0: FF C0, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 7].copy_from_slice(&100u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&20_001u16.to_be_bytes());
    assert_eq!(sanitise(&jpeg).err(), Some(PhotoError::TooManyPixels));
}

#[test]
fn an_input_over_the_upload_cap_is_too_large() {
    let mut input = encode_jpeg(&gradient(16, 16));
    input.resize(MAX_PHOTO_BYTES + 1, 0);
    assert_eq!(sanitise(&input).err(), Some(PhotoError::TooLarge));
    input.truncate(MAX_PHOTO_BYTES);
    assert_ne!(sanitise(&input).err(), Some(PhotoError::TooLarge));
}

/// zune-jpeg, as the image crate configures it (non-strict), decodes a JPEG cut inside its
/// entropy-coded data and fills the rest, as browsers do: the tipster's half photo is still
/// re-encoded from pixels, so nothing of the input's metadata can come through. Only a cut in
/// the headers is `Unreadable`. This test pins that behaviour so a change is noticed.
#[test]
fn a_jpeg_cut_inside_its_scan_is_still_re_encoded_from_pixels() {
    let jpeg = encode_jpeg(&gradient(128, 96));
    let clean = sanitise(&jpeg[..jpeg.len() / 2]).expect("decoded leniently");
    assert_eq!((clean.width, clean.height), (128, 96));
}
