//! Horizontal bar charts as inline SVG, laid out here in user units: no script and no inline
//! style (the CSP forbids both), so the SVG carries presentation attributes only and the staff
//! stylesheet scales it to the width it has (`svg.chart`).
//!
//! Each bar sits under its label rather than beside it: a label column beside the bars left
//! nothing for the bars on a 360 px phone, and a scaled-down chart had unreadable 6 px text.
//! The numbers are printed beside the bars, so the chart reads without colour and in print.

/// One bar of a chart, laid out in SVG user units.
pub struct Bar {
    pub label: String,
    pub label_y: u32,
    pub y: u32,
    pub width: u32,
    pub value: String,
    pub value_x: u32,
    pub value_y: u32,
}

pub struct Chart {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
    /// A reference line (the target), as its x.
    pub target_x: Option<u32>,
    /// How to read the chart (an axis that does not start at zero, the target).
    pub note: String,
}

/// The viewBox width: near a phone's width, so that text keeps its size there.
pub const WIDTH: u32 = 360;
/// The longest bar; the rest of the width holds its number.
pub const BAR_MAX: u32 = 290;
const LABEL_H: u32 = 16;
const BAR_H: u32 = 14;
const ROW_H: u32 = LABEL_H + BAR_H + 8;

impl Chart {
    /// Bars for `rows` of (label, value, the value as printed), scaled so `max` is `BAR_MAX`.
    pub fn new(
        title: &str,
        note: String,
        rows: Vec<(String, Option<f64>, String)>,
        max: f64,
    ) -> Chart {
        let bars = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, text))| {
                let top = 4 + ROW_H * u32::try_from(i).unwrap_or(0);
                let width = value.map_or(0, |v| {
                    let w = if max > 0.0 { v / max } else { 0.0 };
                    (w.clamp(0.0, 1.0) * f64::from(BAR_MAX)).round() as u32
                });
                Bar {
                    label,
                    label_y: top + 12,
                    y: top + LABEL_H,
                    width,
                    value: text,
                    value_x: width + 6,
                    value_y: top + LABEL_H + 12,
                }
            })
            .collect::<Vec<_>>();
        let rows = u32::try_from(bars.len()).unwrap_or(0);
        Chart {
            title: title.to_owned(),
            width: WIDTH,
            height: 8 + ROW_H * rows.max(1),
            bars,
            target_x: None,
            note,
        }
    }

    /// Marks `share` of the bar length (0..=1) with a dashed line.
    pub fn with_target(mut self, share: f64) -> Chart {
        self.target_x = Some((share.clamp(0.0, 1.0) * f64::from(BAR_MAX)).round() as u32);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_stay_inside_the_chart() {
        let rows = vec![
            ("a".to_owned(), Some(10.0), "10".to_owned()),
            ("b".to_owned(), Some(5.0), "5".to_owned()),
            ("c".to_owned(), None, "<11".to_owned()),
        ];
        let c = Chart::new("t", String::new(), rows, 10.0).with_target(0.5);
        assert_eq!(c.bars[0].width, BAR_MAX);
        assert_eq!(c.bars[1].width, BAR_MAX / 2);
        assert_eq!(c.bars[2].width, 0, "a withheld count draws no bar");
        assert!(c.bars.iter().all(|b| b.value_x + 40 <= c.width));
        assert!(c.bars.iter().all(|b| b.value_y < c.height));
        assert_eq!(c.target_x, Some(BAR_MAX / 2));
    }
}
