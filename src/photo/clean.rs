//! The re-encoding itself: header limits, decode, downscale, orientation, alpha onto white, a
//! fresh baseline JPEG. Only pixels cross from the input to the output; no segment, chunk,
//! profile or trailing byte of the input is ever copied.
//!
//! Order matters for memory and time: the pixel and byte limits are checked from the header
//! before a pixel is decoded (a 100-byte PNG can claim 30000×30000), and the picture is scaled
//! down before it is rotated, so the rotation copies the small picture, not the large one.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, Rgb, RgbImage,
};

use super::{CleanPhoto, Kind, MAX_HEADER_SIDE, MAX_PIXELS, MAX_SIDE, PhotoError};

/// JPEG quality of the output: small enough for a 2G upload's worth of storage, high enough that
/// text on a label stays legible.
const JPEG_QUALITY: u8 = 82;

/// The decoded picture's size in bytes, from the header: 50 megapixels of RGBA8 (200 MB) fit; a
/// 16-bit PNG that large does not. Checked before decoding, like the pixel count.
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// Decodes `input` (already recognised as `kind`) and encodes its pixels as a fresh JPEG.
pub(super) fn reencode(input: &[u8], kind: Kind) -> Result<CleanPhoto, PhotoError> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Webp => ImageFormat::WebP,
    };
    // The format we detected, never a guess of the image crate's: only the decoder chosen by
    // magic bytes sees the input.
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    reader.limits(decode_limits());
    let mut decoder = reader.into_decoder().map_err(decode_error)?;

    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Unreadable);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS
        || decoder.total_bytes() > MAX_DECODED_BYTES
    {
        return Err(PhotoError::TooManyPixels);
    }
    // A broken EXIF block costs the rotation, not the photo: an evidence photo on its side is
    // still evidence.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(decode_error)?;

    let rgb = flatten_onto_white(decoded);
    let small = downscale(rgb);
    let mut upright = DynamicImage::ImageRgb8(small);
    upright.apply_orientation(orientation);
    let upright = upright.into_rgb8();

    let mut jpeg = Vec::with_capacity(estimated_jpeg_len(&upright));
    // A new encoder with nothing set: no ICC profile, no EXIF. It writes SOI, a bare JFIF APP0
    // (version 1.2, aspect ratio 1:1, no thumbnail), DQT, SOF0, DHT, SOS, the scan and EOI.
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&upright)
        .map_err(|_| PhotoError::Unreadable)?;
    Ok(CleanPhoto {
        jpeg,
        width: upright.width(),
        height: upright.height(),
    })
}

/// Side limits checked by every decoder from the header; the pixel count and decoded size are
/// checked by `reencode` right after.
fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_HEADER_SIDE);
    limits.max_image_height = Some(MAX_HEADER_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    limits
}

fn decode_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::Unreadable,
    }
}

/// RGB8; transparent pixels become white (a screenshot with transparency would otherwise turn
/// black in JPEG, which has no alpha).
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = pixel.0;
        let alpha = u32::from(a);
        let over_white = |c: u8| {
            let blended = (u32::from(c) * alpha + 255 * (255 - alpha) + 127) / 255;
            u8::try_from(blended).unwrap_or(u8::MAX)
        };
        *out = Rgb([over_white(r), over_white(g), over_white(b)]);
    }
    rgb
}

/// Scales the picture down so its longest side is at most [`MAX_SIDE`], keeping the aspect
/// ratio; a picture already small enough is left as it is (never scaled up).
fn downscale(image: RgbImage) -> RgbImage {
    let (width, height) = image.dimensions();
    match fitted_size(width, height) {
        Some((new_width, new_height)) => {
            imageops::resize(&image, new_width, new_height, FilterType::Triangle)
        }
        None => image,
    }
}

/// The size with the longest side at [`MAX_SIDE`], or `None` if the picture already fits.
fn fitted_size(width: u32, height: u32) -> Option<(u32, u32)> {
    let longest = width.max(height);
    if longest <= MAX_SIDE {
        return None;
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(MAX_SIDE) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(MAX_SIDE).clamp(1, MAX_SIDE)
    };
    Some((scale(width), scale(height)))
}

/// A first guess at the output size (about 2 bits a pixel), so the buffer rarely regrows.
fn estimated_jpeg_len(image: &RgbImage) -> usize {
    let pixels = u64::from(image.width()) * u64::from(image.height());
    usize::try_from(pixels / 4).unwrap_or(0)
}
