//! R19: what survives sanitising is pixels, upright and at most 2048 px on the longest side.

use image::{ImageFormat, Rgba, RgbaImage};

use super::containers::{png_chunk, png_with_chunks, webp_with_metadata, zlib_stored};
use super::fixtures::{
    assert_no_trace, encode_jpeg, encode_png_rgba, encode_webp_lossless, exif_tiff, find, gradient,
    phone_jpeg,
};
use crate::photo::{Kind, MAX_SIDE, kind, sanitise, verify_clean_jpeg};

fn decode(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
        .expect("the sanitised JPEG decodes again")
        .into_rgb8()
}

#[test]
fn r19_a_phone_jpeg_loses_exif_gps_makernote_thumbnail_xmp_icc_iptc_comment_and_trailing_video() {
    let input = phone_jpeg(64, 48, 1);
    // The fixture really carries what it claims to.
    for planted in [
        &b"Exif\0\0"[..],
        b"CANARY-MAKERNOTE",
        b"CANARY-THUMBNAIL",
        b"ftypmp42",
    ] {
        assert!(find(&input, planted).is_some());
    }
    let clean = sanitise(&input).expect("a phone photo is accepted");
    assert_no_trace(&clean.jpeg);
    assert_eq!(verify_clean_jpeg(&clean.jpeg), Ok(()));
    assert_eq!(kind(&clean.jpeg), Ok(Kind::Jpeg));
    let decoded = decode(&clean.jpeg);
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
    assert_eq!((clean.width, clean.height), (64, 48));
}

#[test]
fn r19_the_output_starts_with_a_bare_jfif_app0_without_thumbnail() {
    let clean = sanitise(&phone_jpeg(64, 48, 1)).expect("accepted");
    // SOI, APP0 of length 16: "JFIF\0", version 1.2, units 0 (aspect ratio), density 1×1,
    // thumbnail 0×0; then straight to the tables.
    assert_eq!(
        &clean.jpeg[..20],
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"
    );
    assert_eq!(
        clean.jpeg[20..22],
        [0xFF, 0xC0],
        "SOF0 follows the JFIF header"
    );
}

#[test]
fn r19_orientation_6_turns_a_64_by_48_phone_photo_upright_to_48_by_64() {
    let clean = sanitise(&phone_jpeg(64, 48, 6)).expect("accepted");
    assert_eq!((clean.width, clean.height), (48, 64));
    let decoded = decode(&clean.jpeg);
    assert_eq!((decoded.width(), decoded.height()), (48, 64));
    // Orientation 6 means "rotate 90° clockwise to display": the stored top-left red quadrant
    // is shown top-right.
    let top_right = decoded.get_pixel(40, 8).0;
    let top_left = decoded.get_pixel(8, 8).0;
    assert!(
        top_right[0] > 180 && top_right[1] < 80,
        "top right is red: {top_right:?}"
    );
    assert!(top_left[0] < 80, "top left is not red: {top_left:?}");
    assert_no_trace(&clean.jpeg);
}

#[test]
fn r19_a_png_loses_its_text_itxt_exif_and_icc_chunks() {
    let pixels = RgbaImage::from_fn(40, 30, |x, y| {
        Rgba([
            u8::try_from(x * 6).unwrap_or(0),
            u8::try_from(y * 8).unwrap_or(0),
            90,
            255,
        ])
    });
    let mut icc = b"ICC Profile\0\0".to_vec();
    icc.extend_from_slice(&zlib_stored(b"\0\0\0\x80appl mntrRGB XYZ CANARY-PNG-ICC"));
    let input = png_with_chunks(
        &encode_png_rgba(&pixels),
        &[
            png_chunk(b"iCCP", &icc),
            png_chunk(b"tEXt", b"Comment\0CANARY-PNG-TEXT at the school gate"),
            png_chunk(
                b"iTXt",
                b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">CANARY-PNG-ITXT</x:xmpmeta>",
            ),
            png_chunk(b"eXIf", &exif_tiff(1)),
        ],
    );
    assert_eq!(kind(&input), Ok(Kind::Png));
    let clean = sanitise(&input).expect("a PNG with metadata is accepted");
    assert_no_trace(&clean.jpeg);
    assert_eq!((clean.width, clean.height), (40, 30));
    decode(&clean.jpeg);
}

#[test]
fn r19_a_webp_loses_its_exif_and_xmp_chunks() {
    let simple = encode_webp_lossless(&gradient(40, 30));
    let input = webp_with_metadata(
        &simple,
        40,
        30,
        &exif_tiff(1),
        b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">CANARY-WEBP-XMP</x:xmpmeta>",
    );
    assert!(find(&input, b"CANARY-MAKE").is_some());
    assert_eq!(kind(&input), Ok(Kind::Webp));
    let clean = sanitise(&input).expect("an extended WebP is accepted");
    assert_no_trace(&clean.jpeg);
    assert_eq!((clean.width, clean.height), (40, 30));
    decode(&clean.jpeg);
}

#[test]
fn a_4000_by_3000_photo_comes_out_2048_by_1536() {
    let input = encode_jpeg(&gradient(4000, 3000));
    let clean = sanitise(&input).expect("a large photo is accepted");
    assert_eq!((clean.width, clean.height), (2048, 1536));
    let decoded = decode(&clean.jpeg);
    assert_eq!((decoded.width(), decoded.height()), (2048, 1536));
    assert!(clean.width.max(clean.height) <= MAX_SIDE);
}

#[test]
fn a_tall_photo_keeps_its_aspect_ratio_when_scaled_down() {
    let input = encode_jpeg(&gradient(1000, 3000));
    let clean = sanitise(&input).expect("accepted");
    assert_eq!((clean.width, clean.height), (683, 2048));
}

#[test]
fn a_transparent_screenshot_is_flattened_onto_white_not_black() {
    let pixels = RgbaImage::from_pixel(32, 32, Rgba([0, 0, 0, 0]));
    let clean = sanitise(&encode_png_rgba(&pixels)).expect("accepted");
    let centre = decode(&clean.jpeg).get_pixel(16, 16).0;
    assert!(
        centre.iter().all(|&c| c > 245),
        "transparent became white: {centre:?}"
    );
}
