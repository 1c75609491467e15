//! Photo sanitising (R19): every photo a tipster sends is decoded and re-encoded as a fresh,
//! metadata-free JPEG before anything stores it. A phone photo carries GPS coordinates, the
//! phone's make, model and serial, the capture time, an embedded thumbnail (sometimes of the
//! uncropped picture) and, for "motion photos", a video appended after the image: any of these
//! can identify a tipster, and an identified tipster can be hurt.
//!
//! Pure: bytes in, bytes out. No I/O, no axum, no sqlx. `sanitise` is CPU-bound (a 12-megapixel
//! photo takes a noticeable fraction of a second): callers run it in `spawn_blocking` behind a
//! semaphore.
//!
//! - `detect`: the type, by magic bytes only (never the filename or Content-Type).
//! - `clean`: header limits, decode, downscale, orientation, a fresh JPEG.
//! - `verify`: the re-parse of the output, which refuses anything but image data.

mod clean;
mod detect;
mod verify;

#[cfg(test)]
mod tests;

pub use detect::kind;
pub use verify::verify_clean_jpeg;

/// The upload cap per photo, in bytes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Decode-bomb guard: width × height, read from the header before any pixel is decoded.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Decode-bomb guard: either side, read from the header before any pixel is decoded.
pub const MAX_HEADER_SIDE: u32 = 20_000;
/// The longest side of a sanitised photo. Enough to read a label or a face in a photo of
/// evidence; a smaller picture also leaves less sensor noise to fingerprint a camera by.
pub const MAX_SIDE: u32 = 2048;

/// The photo types accepted, as recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

/// Why a photo was refused. None of these carries a byte of the input: they are shown to the
/// tipster and may be logged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    /// The input is over [`MAX_PHOTO_BYTES`].
    #[error("the photo is larger than the upload limit")]
    TooLarge,
    /// HEIC/HEIF or AVIF, recognised by the `ftyp` box: the page asks for a screenshot instead.
    #[error("HEIC and AVIF photos are not supported")]
    HeicOrAvif,
    /// Anything else that is not JPEG, PNG or WebP by its magic bytes.
    #[error("not a JPEG, PNG or WebP photo")]
    NotAPhoto,
    /// width × height over [`MAX_PIXELS`], or a side over [`MAX_HEADER_SIDE`], from the header.
    #[error("the photo has too many pixels")]
    TooManyPixels,
    /// The decoder failed: corrupt or truncated.
    #[error("the photo could not be read")]
    Unreadable,
    /// The re-parse of our own output found a segment it must not have. Should never happen;
    /// the photo is refused rather than stored.
    #[error("the re-encoded photo still held metadata")]
    MetadataRemained,
}

/// A sanitised photo: a baseline JPEG with a bare JFIF header and nothing else but pixels,
/// upright, its longest side at most [`MAX_SIDE`].
pub struct CleanPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Decodes `input` (JPEG, PNG or WebP by magic bytes) and re-encodes it as a fresh JPEG with no
/// metadata: size and pixel limits first, then decode, downscale to [`MAX_SIDE`], apply the
/// EXIF orientation, flatten alpha onto white, encode, and re-parse the result.
///
/// Never strips in place: copying the input's segments minus the known metadata would keep
/// whatever the list forgot (trailing images, motion-photo video, vendor segments).
pub fn sanitise(input: &[u8]) -> Result<CleanPhoto, PhotoError> {
    if input.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let kind = kind(input)?;
    let photo = clean::reencode(input, kind)?;
    verify_clean_jpeg(&photo.jpeg)?;
    Ok(photo)
}
