//! Photo sanitiser benchmark (R19): `tipline::photo::sanitise` on a generated 12-megapixel
//! (4032×3024) phone-like JPEG and on a 1600×1200 one, single-threaded, beside the machine's
//! floor measured in the same run: decoding the same input with the image crate and nothing
//! else (no resize, no encode).
//!
//! ```sh
//! cargo build --release --example bench_photos
//! target/release/examples/bench_photos --reps 10
//! ```
//!
//! The inputs are noise over gradients (so they do not compress to nothing: a 12 MP one is a
//! few MB, like a phone's) with an EXIF block in front. Peak RSS is the kernel's `VmHWM`, reset
//! before each phase through `/proc/self/clear_refs` where the kernel allows it, so each line
//! shows that phase's own peak (the inputs, a few MB, are resident throughout).

use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage};
use tipline::photo::sanitise;

fn main() -> anyhow::Result<()> {
    let reps = reps_from_args()?;
    let inputs = [
        ("12 MP 4032x3024", phone_like_jpeg(4032, 3024)?),
        ("1.9 MP 1600x1200", phone_like_jpeg(1600, 1200)?),
    ];
    println!("photo sanitiser, single thread, {reps} reps each (median; photos/s from the median)");
    println!(
        "baseline peak RSS after generating the inputs: {}",
        peak_rss()
    );
    for (name, input) in &inputs {
        let clean = sanitise(input).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        println!(
            "\n{name}: input {:.2} MB -> output {}x{} {:.0} KB",
            mb(input.len()),
            clean.width,
            clean.height,
            kb(clean.jpeg.len())
        );
        drop(clean);

        let reset = reset_peak_rss();
        let sanitise_times = time_reps(reps, || sanitise(input).map(|c| c.jpeg.len()).unwrap_or(0));
        let sanitise_peak = peak_rss();

        reset_peak_rss();
        let decode_times = time_reps(reps, || {
            image::load_from_memory_with_format(input, ImageFormat::Jpeg)
                .map(|i| i.width() as usize)
                .unwrap_or(0)
        });
        let decode_peak = peak_rss();

        report("sanitise", &sanitise_times, &sanitise_peak, reset);
        report("decode only (floor)", &decode_times, &decode_peak, reset);
        let ratio = median(&sanitise_times).as_secs_f64() / median(&decode_times).as_secs_f64();
        println!("  sanitise / decode: {ratio:.2}x");
    }
    Ok(())
}

fn reps_from_args() -> anyhow::Result<usize> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--reps") {
        Some(i) => Ok(args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("--reps needs a number"))?
            .parse()?),
        None => Ok(10),
    }
}

/// Runs `work` `reps` times; the result is kept alive through `black_box`.
fn time_reps(reps: usize, mut work: impl FnMut() -> usize) -> Vec<Duration> {
    (0..reps.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(work());
            start.elapsed()
        })
        .collect()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(what: &str, times: &[Duration], peak: &str, reset: bool) {
    let median = median(times);
    let slowest = times.iter().max().copied().unwrap_or_default();
    println!(
        "  {what:<20} median {:>7.1} ms  slowest {:>7.1} ms  {:>6.2} photos/s  peak RSS {peak}{}",
        median.as_secs_f64() * 1e3,
        slowest.as_secs_f64() * 1e3,
        1.0 / median.as_secs_f64(),
        if reset {
            ""
        } else {
            " (process peak: reset not allowed)"
        }
    );
}

/// A phone-like JPEG: smooth gradients plus sensor-like noise (±8), quality 92, with an EXIF APP1
/// (make, model, orientation, a GPS position and a 16 KB maker note) after SOI.
fn phone_like_jpeg(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        i32::try_from(state >> 60).unwrap_or(0) - 8
    };
    let image = RgbImage::from_fn(width, height, |x, y| {
        let fx = x as f32 / width as f32;
        let fy = y as f32 / height as f32;
        let base = [
            60.0 + 150.0 * fx,
            40.0 + 120.0 * fy + 40.0 * (fx * 12.0).sin(),
            90.0 + 80.0 * (fy * 7.0 + fx * 3.0).cos(),
        ];
        Rgb(base.map(|c| (c as i32 + noise()).clamp(0, 255) as u8))
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 92).encode_image(&image)?;
    let exif = exif_app1();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    Ok(out)
}

/// A minimal little-endian EXIF APP1: IFD0 with Make, Model, Orientation = 1 and a GPS IFD.
fn exif_app1() -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        [
            tag.to_le_bytes().to_vec(),
            kind.to_le_bytes().to_vec(),
            count.to_le_bytes().to_vec(),
            value.to_le_bytes().to_vec(),
        ]
        .concat()
    };
    // IFD0 at 8: 5 entries (2 + 5 × 12 + 4 = 66 bytes), data from 74.
    let make = b"BenchPhone\0";
    let model = b"BP-12 Pro\0\0";
    let maker_note = vec![0x5A; 16 * 1024];
    let gps_at = 74 + make.len() + model.len();
    let note_at = gps_at + 2 + 2 * 12 + 4 + 24;
    tiff.extend_from_slice(&5u16.to_le_bytes());
    tiff.extend_from_slice(&entry(0x010F, 2, make.len() as u32, 74));
    tiff.extend_from_slice(&entry(
        0x0110,
        2,
        model.len() as u32,
        (74 + make.len()) as u32,
    ));
    tiff.extend_from_slice(&entry(0x0112, 3, 1, 1));
    tiff.extend_from_slice(&entry(0x8825, 4, 1, gps_at as u32));
    tiff.extend_from_slice(&entry(0x927C, 7, maker_note.len() as u32, note_at as u32));
    tiff.extend_from_slice(&[0; 4]);
    tiff.extend_from_slice(make);
    tiff.extend_from_slice(model);
    // GPS IFD: latitude ref and latitude (3 rationals right after the IFD).
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&entry(0x0001, 2, 2, u32::from(b'N')));
    tiff.extend_from_slice(&entry(0x0002, 5, 3, (gps_at + 30) as u32));
    tiff.extend_from_slice(&[0; 4]);
    for (n, d) in [(52u32, 1u32), (22, 1), (1234, 100)] {
        tiff.extend_from_slice(&n.to_le_bytes());
        tiff.extend_from_slice(&d.to_le_bytes());
    }
    tiff.extend_from_slice(&maker_note);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

/// `VmHWM` from /proc/self/status: the peak resident set since start or the last reset.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .map(|kb| match kb.trim_end_matches(" kB").parse::<f64>() {
            Ok(k) => format!("{:.0} MB", k / 1024.0),
            Err(_) => kb,
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0: "5" to clear_refs). False if not allowed.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1e3
}
