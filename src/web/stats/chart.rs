//! Horizontal bar charts as inline SVG, laid out here in user units: no script and no inline
//! style (the CSP forbids both), so the SVG carries presentation attributes only and the staff
//! stylesheet scales it to the width it has (`svg.chart`).
//!
//! Each bar sits under its label rather than beside it: a label column beside the bars left
//! nothing for the bars on a 360 px phone, and a scaled-down chart had unreadable 6 px text.
//! The numbers are printed beside the bars, so the chart reads without colour and in print.

/// One bar of a chart, laid out in SVG user units.
pub struct Bar {
    /// The label's lines with their baselines: SVG text does not wrap by itself, and a long
    /// category name ran off the chart.
    pub label: Vec<(String, u32)>,
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
const GAP: u32 = 8;
/// Characters on one label line: 13-unit text averages under 7 units a character, so this
/// stays inside `WIDTH` with room to spare for wide letters.
const LINE_CHARS: usize = 44;

/// `text` in lines of at most `LINE_CHARS` characters, broken between words (a word longer
/// than a line gets a line of its own).
fn lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count() + 1 + word.chars().count();
        if !line.is_empty() && len > LINE_CHARS {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

impl Chart {
    /// Bars for `rows` of (label, value, the value as printed), scaled so `max` is `BAR_MAX`.
    pub fn new(
        title: &str,
        note: String,
        rows: Vec<(String, Option<f64>, String)>,
        max: f64,
    ) -> Chart {
        let mut top = 4;
        let bars = rows
            .into_iter()
            .map(|(label, value, text)| {
                let width = value.map_or(0, |v| {
                    let w = if max > 0.0 { v / max } else { 0.0 };
                    (w.clamp(0.0, 1.0) * f64::from(BAR_MAX)).round() as u32
                });
                let mut y = top;
                let label = lines(&label)
                    .into_iter()
                    .map(|line| {
                        y += LABEL_H;
                        (line, y - 4)
                    })
                    .collect();
                let bar = Bar {
                    label,
                    y,
                    width,
                    value: text,
                    value_x: width + 6,
                    value_y: y + 12,
                };
                top = y + BAR_H + GAP;
                bar
            })
            .collect::<Vec<_>>();
        Chart {
            title: title.to_owned(),
            width: WIDTH,
            height: top.max(4 + LABEL_H + BAR_H + GAP) + 4,
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

    #[test]
    fn long_labels_wrap_between_words_and_push_their_bar_down() {
        let long = "New synthetic drugs (meth, laughing gas, synthetic cannabinoids)";
        let rows = vec![
            (long.to_owned(), Some(1.0), "1".to_owned()),
            ("short".to_owned(), Some(1.0), "1".to_owned()),
        ];
        let c = Chart::new("t", String::new(), rows, 1.0);
        let first = &c.bars[0];
        assert_eq!(first.label.len(), 2);
        assert!(
            first
                .label
                .iter()
                .all(|(l, _)| l.chars().count() <= LINE_CHARS)
        );
        assert_eq!(
            first
                .label
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            long
        );
        assert!(first.label[1].1 < first.y, "both lines above the bar");
        assert!(
            c.bars[1].label[0].1 > first.value_y,
            "the next bar starts below"
        );
        assert!(c.bars[1].value_y < c.height);
        assert_eq!(lines(""), vec![String::new()]);
    }
}
