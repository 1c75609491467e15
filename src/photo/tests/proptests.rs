//! `sanitise` never panics: on arbitrary bytes, on arbitrary bytes behind each accepted magic
//! (so every decoder is reached), and on mutations of a valid phone JPEG. Whatever it accepts
//! has passed the re-parse.

use proptest::prelude::*;

use super::fixtures::{encode_png_rgba, encode_webp_lossless, gradient, phone_jpeg};
use crate::photo::{sanitise, verify_clean_jpeg};

fn accepted_output_is_clean(input: &[u8]) {
    if let Ok(clean) = sanitise(input) {
        assert_eq!(verify_clean_jpeg(&clean.jpeg), Ok(()));
        assert!(clean.width >= 1 && clean.height >= 1);
    }
}

fn valid_inputs() -> Vec<Vec<u8>> {
    let rgba = image::DynamicImage::ImageRgb8(gradient(24, 16)).into_rgba8();
    vec![
        phone_jpeg(24, 16, 6),
        encode_png_rgba(&rgba),
        encode_webp_lossless(&gradient(24, 16)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn r19_sanitise_never_panics_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..2048)) {
        accepted_output_is_clean(&input);
    }

    #[test]
    fn r19_sanitise_never_panics_on_arbitrary_bytes_behind_a_photo_magic(
        magic in prop::sample::select(vec![
            b"\xFF\xD8\xFF".to_vec(),
            b"\xFF\xD8\xFF\xDB\x00\x43\x00".to_vec(),
            b"\x89PNG\r\n\x1a\n".to_vec(),
            b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec(),
            b"RIFF\0\x10\0\0WEBPVP8L".to_vec(),
            b"RIFF\0\x10\0\0WEBPVP8 ".to_vec(),
            b"RIFF\0\x10\0\0WEBPVP8X".to_vec(),
        ]),
        tail in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut input = magic;
        input.extend_from_slice(&tail);
        accepted_output_is_clean(&input);
    }

    #[test]
    fn r19_sanitise_never_panics_on_mutations_of_valid_photos(
        which in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut input = valid_inputs().swap_remove(which);
        for (at, byte) in edits {
            let i = at.index(input.len());
            input[i] = byte;
        }
        if truncate {
            input.truncate(cut.index(input.len()));
        }
        accepted_output_is_clean(&input);
    }
}
