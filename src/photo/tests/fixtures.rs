//! Hand-built "phone photos" for the R19 tests: real encoded pixels with every kind of metadata a
//! phone or an editor writes spliced in, each carrying a canary string the output must not hold.
//! No EXIF crate: the bytes are written here so the test controls exactly what goes in.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage, RgbaImage};

/// Every canary a fixture plants; none may survive sanitising.
pub const CANARIES: &[&str] = &[
    "CANARY-MAKE",
    "CANARY-MODEL",
    "CANARY-MAKERNOTE",
    "CANARY-THUMBNAIL",
    "CANARY-XMP",
    "CANARY-ICC",
    "CANARY-IPTC",
    "CANARY-COMMENT",
    "CANARY-MOTION-VIDEO",
    "CANARY-SECOND-JPEG",
    "CANARY-PNG-TEXT",
    "CANARY-PNG-ITXT",
    "CANARY-PNG-ICC",
    "CANARY-WEBP-XMP",
];

/// Signatures of metadata containers; none may appear in a sanitised photo.
pub const CONTAINER_SIGNATURES: &[&str] = &[
    "Exif",
    "http://ns.adobe.com",
    "ICC_PROFILE",
    "Photoshop",
    "8BIM",
    "ftyp",
    "JFXX",
];

/// A gradient with a red top-left quadrant, so a rotation can be seen in the pixels.
pub fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        if x < width / 2 && y < height / 2 {
            Rgb([230, 20, 20])
        } else {
            let g = u8::try_from(x * 255 / width.max(1)).unwrap_or(255);
            let b = u8::try_from(y * 255 / height.max(1)).unwrap_or(255);
            Rgb([20, g, b])
        }
    })
}

pub fn encode_jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(image)
        .expect("encode fixture JPEG");
    out
}

pub fn encode_png_rgba(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgba8,
        )
        .expect("encode fixture PNG");
    out
}

pub fn encode_webp_lossless(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encode fixture WebP");
    out
}

/// A JPEG marker segment: `FF marker`, big-endian length (including itself), payload.
pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).expect("segment under 64 KiB");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// `segments` inserted right after SOI, `trailer` appended after EOI.
pub fn splice(jpeg: &[u8], segments: &[Vec<u8>], trailer: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for segment in segments {
        out.extend_from_slice(segment);
    }
    out.extend_from_slice(&jpeg[2..]);
    out.extend_from_slice(trailer);
    out
}

/// A 64×48 (or other) "phone photo": EXIF (make, model, orientation, GPS, MakerNote, an IFD1
/// thumbnail), XMP, ICC, IPTC, a comment, and after EOI a motion-photo video box and a whole
/// second JPEG.
pub fn phone_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let pixels = encode_jpeg(&gradient(width, height));
    splice(&pixels, &phone_segments(orientation), &phone_trailer())
}

pub fn phone_segments(orientation: u16) -> Vec<Vec<u8>> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&exif_tiff(orientation));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(
        br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="52,22.1N" tiff:Make="CANARY-XMP"/></rdf:RDF></x:xmpmeta>"#,
    );
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend_from_slice(b"\0\0\0\x80appl\x02\x10\0\0mntrRGB XYZ CANARY-ICC device profile");
    let mut iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    let record = b"\x1c\x02\x78\0\x13CANARY-IPTC caption";
    iptc.extend_from_slice(&u32::try_from(record.len()).unwrap_or(0).to_be_bytes());
    iptc.extend_from_slice(record);
    vec![
        jpeg_segment(0xE1, &exif),
        jpeg_segment(0xE1, &xmp),
        jpeg_segment(0xE2, &icc),
        jpeg_segment(0xED, &iptc),
        jpeg_segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
        jpeg_segment(0xFE, b"CANARY-COMMENT from the phone's gallery app"),
    ]
}

/// What phones append after EOI: a motion-photo MP4 and a second whole JPEG (a depth map or an
/// unedited original).
pub fn phone_trailer() -> Vec<u8> {
    let mut trailer = Vec::new();
    let video = b"ftypmp42\0\0\0\0isommp42CANARY-MOTION-VIDEO moov mdat";
    trailer.extend_from_slice(&u32::try_from(video.len() + 4).unwrap_or(0).to_be_bytes());
    trailer.extend_from_slice(video);
    let second = encode_jpeg(&gradient(16, 16));
    let comment = jpeg_segment(0xFE, b"CANARY-SECOND-JPEG");
    trailer.extend_from_slice(&splice(&second, &[comment], b""));
    trailer
}

/// A little-endian TIFF block as in an EXIF APP1 (after `Exif\0\0`) or a PNG/WebP EXIF chunk.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let (ifd0, next0) = write_ifd(
        &mut tiff,
        &[
            (0x010F, Value::Ascii(b"CANARY-MAKE\0")),
            (0x0110, Value::Ascii(b"CANARY-MODEL Pro\0")),
            (0x0112, Value::Short(orientation)),
            (0x8769, Value::Long(0)), // Exif IFD pointer
            (0x8825, Value::Long(0)), // GPS IFD pointer
        ],
    );
    let exif_ifd = tiff.len();
    write_ifd(
        &mut tiff,
        &[(
            0x927C,
            Value::Undefined(b"CANARY-MAKERNOTE serial 8C1F-0042"),
        )],
    );
    patch(&mut tiff, ifd0[3], exif_ifd);
    let gps_ifd = tiff.len();
    write_ifd(
        &mut tiff,
        &[
            (0x0001, Value::Ascii(b"N\0")),
            (0x0002, Value::Rationals(&[(52, 1), (22, 1), (1234, 100)])),
            (0x0003, Value::Ascii(b"E\0")),
            (0x0004, Value::Rationals(&[(4, 1), (53, 1), (5678, 100)])),
        ],
    );
    patch(&mut tiff, ifd0[4], gps_ifd);
    let thumbnail = splice(
        &encode_jpeg(&gradient(8, 8)),
        &[jpeg_segment(0xFE, b"CANARY-THUMBNAIL")],
        b"",
    );
    let ifd1 = tiff.len();
    patch(&mut tiff, next0, ifd1);
    let (slots, _) = write_ifd(
        &mut tiff,
        &[
            (0x0103, Value::Short(6)),
            (0x0201, Value::Long(0)),
            (
                0x0202,
                Value::Long(u32::try_from(thumbnail.len()).unwrap_or(0)),
            ),
        ],
    );
    let at = tiff.len();
    tiff.extend_from_slice(&thumbnail);
    patch(&mut tiff, slots[1], at);
    tiff
}

pub enum Value<'a> {
    Ascii(&'a [u8]),
    Short(u16),
    Long(u32),
    Rationals(&'a [(u32, u32)]),
    Undefined(&'a [u8]),
}

/// Writes an IFD at the end of `tiff` (values over 4 bytes after it); returns the position of
/// each entry's value slot and of the next-IFD offset, for patching pointers.
fn write_ifd(tiff: &mut Vec<u8>, entries: &[(u16, Value<'_>)]) -> (Vec<usize>, usize) {
    if tiff.len() % 2 == 1 {
        tiff.push(0);
    }
    let count = u16::try_from(entries.len()).unwrap_or(0);
    tiff.extend_from_slice(&count.to_le_bytes());
    let mut slots = Vec::new();
    let mut external = Vec::new();
    for (tag, value) in entries {
        let (kind, n, bytes): (u16, usize, Vec<u8>) = match value {
            Value::Ascii(s) => (2, s.len(), s.to_vec()),
            Value::Short(v) => (3, 1, v.to_le_bytes().to_vec()),
            Value::Long(v) => (4, 1, v.to_le_bytes().to_vec()),
            Value::Rationals(r) => (
                5,
                r.len(),
                r.iter()
                    .flat_map(|(a, b)| [a.to_le_bytes(), b.to_le_bytes()].concat())
                    .collect(),
            ),
            Value::Undefined(s) => (7, s.len(), s.to_vec()),
        };
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&u32::try_from(n).unwrap_or(0).to_le_bytes());
        slots.push(tiff.len());
        let mut slot = bytes.clone();
        if bytes.len() > 4 {
            external.push((tiff.len(), bytes));
            slot = vec![0; 4];
        }
        slot.resize(4, 0);
        tiff.extend_from_slice(&slot);
    }
    let next = tiff.len();
    tiff.extend_from_slice(&[0; 4]);
    for (slot, bytes) in external {
        if tiff.len() % 2 == 1 {
            tiff.push(0);
        }
        let at = tiff.len();
        tiff.extend_from_slice(&bytes);
        patch(tiff, slot, at);
    }
    (slots, next)
}

fn patch(tiff: &mut [u8], slot: usize, value: usize) {
    let value = u32::try_from(value).unwrap_or(0);
    tiff[slot..slot + 4].copy_from_slice(&value.to_le_bytes());
}

/// Panics naming the first trace of the input's metadata found in `jpeg`.
pub fn assert_no_trace(jpeg: &[u8]) {
    for needle in CANARIES.iter().chain(CONTAINER_SIGNATURES) {
        assert!(
            find(jpeg, needle.as_bytes()).is_none(),
            "R19: {needle:?} survived sanitising"
        );
    }
    let sois = jpeg.windows(2).filter(|w| w == &[0xFF, 0xD8]).count();
    assert_eq!(
        sois, 1,
        "R19: exactly one SOI (no embedded or trailing image)"
    );
    let first_eoi = find(jpeg, &[0xFF, 0xD9]).expect("an EOI");
    assert_eq!(
        first_eoi + 2,
        jpeg.len(),
        "R19: nothing after the first EOI"
    );
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
