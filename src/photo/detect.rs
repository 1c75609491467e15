//! The photo's type, by its magic bytes only. The filename and the Content-Type are the
//! sender's word and are never consulted; the decoder chosen here is the only one that will see
//! the bytes.
//!
//! HEIC/HEIF and AVIF (ISO-BMFF with an `ftyp` box) are told apart from other junk so the page
//! can ask for a screenshot: iPhones send HEIC by default.

use super::{Kind, PhotoError};

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The `ftyp` brands of HEIF-family stills and sequences (HEIC, HEIF, AVIF).
const HEIF_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"mif2",
    b"msf1", b"avif", b"avis", b"avio",
];

/// The type of `input` by magic bytes: JPEG (`FF D8 FF`), PNG (its 8-byte signature) or WebP
/// (`RIFF` .... `WEBP`). HEIC/AVIF → [`PhotoError::HeicOrAvif`]; anything else →
/// [`PhotoError::NotAPhoto`].
pub fn kind(input: &[u8]) -> Result<Kind, PhotoError> {
    if input.starts_with(JPEG_MAGIC) {
        Ok(Kind::Jpeg)
    } else if input.starts_with(PNG_MAGIC) {
        Ok(Kind::Png)
    } else if input.len() >= 12 && input.starts_with(b"RIFF") && &input[8..12] == b"WEBP" {
        Ok(Kind::Webp)
    } else if is_heif(input) {
        Err(PhotoError::HeicOrAvif)
    } else {
        Err(PhotoError::NotAPhoto)
    }
}

/// An ISO-BMFF file whose leading `ftyp` box names a HEIF/AVIF brand, as its major brand or
/// among its compatible brands (some encoders put `mif1` first and `heic` later). Only the box
/// itself is read, bounded by its declared size and by the input.
fn is_heif(input: &[u8]) -> bool {
    let Some(header) = input.get(..8) else {
        return false;
    };
    if &header[4..8] != b"ftyp" {
        return false;
    }
    let declared = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    // A size of 0 or 1 (to end of file, 64-bit size) is not how a real ftyp box is written;
    // a short box still names its major brand.
    let end = declared.clamp(12, 4096).min(input.len());
    let Some(brands) = input.get(8..end) else {
        return false;
    };
    // Major brand (8..12), minor version (12..16), then compatible brands.
    let major = brands.chunks_exact(4).take(1);
    let compatible = brands.get(8..).unwrap_or_default().chunks_exact(4);
    major
        .chain(compatible)
        .any(|brand| HEIF_BRANDS.iter().any(|known| brand == known.as_slice()))
}
