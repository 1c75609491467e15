//! The re-parse of a sanitised JPEG: an allow-list walk over every marker segment from SOI to
//! EOI. It is the last gate before storage and checks our own encoder's output, so it is strict
//! rather than forgiving: a segment it does not know, a second image, a thumbnail or a byte
//! after EOI refuses the photo, even though the encoder should never write one.
//!
//! Allowed: SOI, one APP0 with the `JFIF\0` identifier and no thumbnail, DQT, SOF0/SOF2, DHT,
//! DRI, SOS with its entropy-coded data (byte stuffing and RSTn), EOI as the last two bytes.
//! Refused: every other APPn (EXIF/XMP APP1, ICC APP2, IPTC APP13, Adobe APP14, …), COM, JFXX
//! thumbnails, any other marker, a truncated segment, and anything after EOI.

use super::PhotoError;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DQT: u8 = 0xDB;
const DRI: u8 = 0xDD;
const DHT: u8 = 0xC4;
const SOF0: u8 = 0xC0;
const SOF2: u8 = 0xC2;
const APP0: u8 = 0xE0;
const RST0: u8 = 0xD0;
const RST7: u8 = 0xD7;

/// The JFIF APP0 payload: identifier, version (2), units (1), densities (2 × 2), thumbnail
/// width and height (1 + 1); a thumbnail's pixels would follow.
const JFIF_ID: &[u8] = b"JFIF\0";
const JFIF_LEN: usize = 14;

/// Ok if `jpeg` holds image data and a bare JFIF header only; otherwise
/// [`PhotoError::MetadataRemained`] (also for a malformed or truncated stream: what cannot be
/// walked cannot be vouched for).
pub fn verify_clean_jpeg(jpeg: &[u8]) -> Result<(), PhotoError> {
    let refuse = PhotoError::MetadataRemained;
    if jpeg.get(..2) != Some(&[0xFF, SOI]) {
        return Err(refuse);
    }
    let mut pos = 2;
    let mut seen_app0 = false;
    let mut seen_frame = false;
    let mut seen_scan = false;
    loop {
        let marker = read_marker(jpeg, &mut pos).ok_or(PhotoError::MetadataRemained)?;
        match marker {
            EOI => {
                // Nothing may follow: a trailing second JPEG or motion-photo video lives there.
                return if seen_scan && pos == jpeg.len() {
                    Ok(())
                } else {
                    Err(refuse)
                };
            }
            APP0 => {
                let payload = segment(jpeg, &mut pos).ok_or(PhotoError::MetadataRemained)?;
                if seen_app0 || seen_frame || !is_bare_jfif(payload) {
                    return Err(refuse);
                }
                seen_app0 = true;
            }
            DQT | DHT | DRI => {
                segment(jpeg, &mut pos).ok_or(PhotoError::MetadataRemained)?;
            }
            SOF0 | SOF2 => {
                segment(jpeg, &mut pos).ok_or(PhotoError::MetadataRemained)?;
                if seen_frame {
                    return Err(refuse);
                }
                seen_frame = true;
            }
            SOS => {
                segment(jpeg, &mut pos).ok_or(PhotoError::MetadataRemained)?;
                if !seen_frame {
                    return Err(refuse);
                }
                seen_scan = true;
                skip_entropy_coded_data(jpeg, &mut pos).ok_or(PhotoError::MetadataRemained)?;
            }
            // SOI again (an embedded image), APP1..APP15, COM, other frame types, DNL, EXP…
            _ => return Err(refuse),
        }
    }
}

/// Reads `FF xx` at `pos` (fill bytes `FF` before a marker are allowed by the standard) and
/// returns `xx`.
fn read_marker(jpeg: &[u8], pos: &mut usize) -> Option<u8> {
    if *jpeg.get(*pos)? != 0xFF {
        return None;
    }
    *pos += 1;
    while *jpeg.get(*pos)? == 0xFF {
        *pos += 1;
    }
    let marker = *jpeg.get(*pos)?;
    *pos += 1;
    // FF00 is byte stuffing and RSTn belongs inside a scan; neither may appear between segments.
    if marker == 0x00 || (RST0..=RST7).contains(&marker) {
        return None;
    }
    Some(marker)
}

/// The payload of the length-prefixed segment at `pos` (after its marker); advances past it.
fn segment<'a>(jpeg: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let length_bytes = jpeg.get(*pos..pos.checked_add(2)?)?;
    let length = usize::from(u16::from_be_bytes([length_bytes[0], length_bytes[1]]));
    if length < 2 {
        return None;
    }
    let payload = jpeg.get(*pos + 2..pos.checked_add(length)?)?;
    *pos += length;
    Some(payload)
}

/// A JFIF APP0 with no thumbnail: the identifier, and thumbnail width and height both zero, and
/// no bytes beyond the fixed fields.
fn is_bare_jfif(payload: &[u8]) -> bool {
    payload.len() == JFIF_LEN
        && payload.starts_with(JFIF_ID)
        && payload[12] == 0
        && payload[13] == 0
}

/// Skips a scan's entropy-coded data: stops at the first `FF` that starts a marker other than
/// stuffing (`FF 00`) or a restart (`FF D0`..`FF D7`), leaving `pos` on that `FF`.
fn skip_entropy_coded_data(jpeg: &[u8], pos: &mut usize) -> Option<()> {
    loop {
        let offset = jpeg.get(*pos..)?.iter().position(|&b| b == 0xFF)?;
        *pos += offset;
        let next = *jpeg.get(*pos + 1)?;
        if next == 0x00 || (RST0..=RST7).contains(&next) {
            *pos += 2;
        } else {
            // A marker (possibly after fill bytes `FF FF …`, which `read_marker` skips).
            return Some(());
        }
    }
}
