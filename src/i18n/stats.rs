//! Words of the statistics pages and the printed indicator report, in each language. Kept
//! beside the main catalogue (same rules: no empty text, same keys everywhere) so the two can
//! grow apart without one giant struct.

use crate::domain::Channel;
use crate::domain::Lang;
use crate::domain::workflow::Outcome;
use serde::Serialize;

#[derive(Serialize)]
pub struct StatsTexts {
    pub report_title: &'static str,
    pub period: &'static str,
    pub province: &'static str,
    pub unit: &'static str,
    pub received: &'static str,
    pub by_category: &'static str,
    pub by_channel: &'static str,
    pub by_outcome: &'static str,
    pub classified_24h: &'static str,
    pub decided_20d: &'static str,
    pub schools: &'static str,
    pub schools_with_case: &'static str,
    pub drug_free_rate: &'static str,
    pub target: &'static str,
    pub meets: &'static str,
    pub misses: &'static str,
    pub suppression_note: &'static str,
    pub chart_categories: &'static str,
    pub chart_rates: &'static str,
    pub stats_title: &'static str,
    pub table_label: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub level_label: &'static str,
    pub show: &'static str,
    pub count: &'static str,
    pub not_published: &'static str,
    pub channels: [&'static str; 4],
    pub outcomes: [&'static str; 9],
    /// Under the report on screen: how to print it (the navigation is not printed).
    pub print_hint: &'static str,
    /// Names of report periods; `{year}` is filled in.
    pub period_year: &'static str,
    pub period_h1: &'static str,
    pub period_h2: &'static str,
    pub no_rows: &'static str,
    /// How to write a month where the browser shows a plain text box.
    pub month_hint: &'static str,
    pub level_districts: &'static str,
    pub level_communes: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    /// The fixed tables, in `Table::ALL` order (region-month, category-month, school-quarter,
    /// region-outcome-quarter, channel-quarter, timeliness-quarter).
    pub tables: [&'static str; 6],
    /// Column names of the tables' dimensions, in the order of `DIMS`.
    pub dims: [&'static str; 13],
}

/// The dimensions a table row may carry, as the API names them.
pub const DIMS: [&str; 13] = [
    "month",
    "quarter",
    "region_id",
    "school_id",
    "category",
    "channel",
    "outcome",
    "measure",
    "on_time",
    "total",
    "unspecified",
    "pooled",
    "in_pool",
];

/// The API names of the fixed tables, in the order of `StatsTexts::tables`.
pub const TABLES: [&str; 6] = [
    "region-month",
    "category-month",
    "school-quarter",
    "region-outcome-quarter",
    "channel-quarter",
    "timeliness-quarter",
];

impl StatsTexts {
    pub fn of(lang: Lang) -> &'static StatsTexts {
        match lang {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    pub fn channel(&self, code: &str) -> &'static str {
        Channel::ALL
            .iter()
            .position(|c| c.code() == code)
            .map_or("", |i| self.channels[i])
    }

    pub fn outcome(&self, code: &str) -> &'static str {
        use crate::domain::Code;
        Outcome::all()
            .iter()
            .position(|o| o.code() == code)
            .map_or("", |i| self.outcomes[i])
    }

    /// A table's name; an unknown code shows as itself.
    pub fn table<'a>(&self, code: &'a str) -> &'a str {
        TABLES
            .iter()
            .position(|t| *t == code)
            .map_or(code, |i| self.tables[i])
    }

    /// A dimension's column name; an unknown one shows as itself.
    pub fn dim<'a>(&self, key: &'a str) -> &'a str {
        DIMS.iter()
            .position(|d| *d == key)
            .map_or(key, |i| self.dims[i])
    }
}

static VI: StatsTexts = StatsTexts {
    report_title: "Báo cáo chỉ tiêu phòng, chống ma túy trong trường học",
    period: "Kỳ báo cáo",
    province: "Toàn tỉnh",
    unit: "Đơn vị",
    received: "Tin báo tiếp nhận",
    by_category: "Theo loại",
    by_channel: "Theo kênh",
    by_outcome: "Theo kết quả xử lý",
    classified_24h: "Phân loại trong 24 giờ",
    decided_20d: "Giải quyết trong 20 ngày",
    schools: "Trường đang hoạt động",
    schools_with_case: "Trường có vụ việc được xác nhận",
    drug_free_rate: "Tỷ lệ trường không có tệ nạn ma túy",
    target: "Chỉ tiêu",
    meets: "đạt",
    misses: "chưa đạt",
    suppression_note: "Số nhỏ hơn {k} không được công bố (ghi \"<{k}\"), kể cả một số ô khác để không thể suy ra chúng từ tổng.",
    chart_categories: "Tin báo toàn tỉnh theo loại",
    chart_rates: "Tỷ lệ trường không có tệ nạn ma túy theo huyện cũ",
    stats_title: "Thống kê ẩn danh",
    table_label: "Bảng",
    from_label: "Từ tháng",
    to_label: "Đến tháng",
    level_label: "Cấp",
    show: "Xem",
    count: "Số",
    not_published: "không công bố",
    channels: [
        "Trang web",
        "Đường dây nóng",
        "Hòm thư tố giác",
        "Tin nhắn chuyển tiếp",
    ],
    outcomes: [
        "Không có căn cứ",
        "Tin sai, vu khống",
        "Trùng lặp",
        "Xác nhận sử dụng",
        "Xác nhận mua bán",
        "Triệt phá điểm nóng",
        "Tiêu hủy cây trồng",
        "Chuyển điều trị",
        "Khác",
    ],
    print_hint: "Để in khổ A4, dùng lệnh In của trình duyệt (Ctrl+P); thanh điều hướng và các ô chọn không được in.",
    period_year: "Cả năm {year}",
    period_h1: "6 tháng đầu năm {year}",
    period_h2: "6 tháng cuối năm {year}",
    no_rows: "Không có số liệu trong khoảng thời gian này.",
    month_hint: "Tháng ghi dạng năm-tháng, ví dụ 2026-01. Bảng theo quý lấy trọn quý.",
    level_districts: "Huyện cũ",
    level_communes: "Xã, phường",
    yes: "có",
    no: "không",
    tables: [
        "Tin báo theo địa bàn và tháng",
        "Tin báo theo loại và tháng",
        "Tin báo theo trường và quý",
        "Kết quả xử lý theo địa bàn và quý",
        "Tin báo theo kênh và quý",
        "Xử lý đúng hạn theo quý",
    ],
    dims: [
        "Tháng",
        "Quý",
        "Địa bàn",
        "Trường",
        "Loại sự việc",
        "Kênh",
        "Kết quả xử lý",
        "Chỉ số",
        "Đúng hạn",
        "Tổng",
        "không rõ xã, phường",
        "Các trường khác (gộp)",
        "nằm trong nhóm gộp, không công bố riêng",
    ],
};

static EN: StatsTexts = StatsTexts {
    report_title: "School drug prevention: indicator report",
    period: "Period",
    province: "Province",
    unit: "Unit",
    received: "Tips received",
    by_category: "By category",
    by_channel: "By channel",
    by_outcome: "By outcome",
    classified_24h: "Classified within 24 h",
    decided_20d: "Decided within 20 days",
    schools: "Active schools",
    schools_with_case: "Schools with a confirmed case",
    drug_free_rate: "Drug-free school rate",
    target: "Target",
    meets: "met",
    misses: "not met",
    suppression_note: "Counts below {k} are not published (shown \"<{k}\"), nor some other cells, so that they cannot be worked out from the totals.",
    chart_categories: "Tips in the province by category",
    chart_rates: "Drug-free school rate by former district",
    stats_title: "Anonymised statistics",
    table_label: "Table",
    from_label: "From month",
    to_label: "To month",
    level_label: "Level",
    show: "Show",
    count: "Count",
    not_published: "not published",
    channels: ["Web", "Hotline", "Tip box", "SMS relay"],
    outcomes: [
        "Unfounded",
        "False or malicious",
        "Duplicate",
        "Confirmed use",
        "Confirmed dealing",
        "Hotspot dismantled",
        "Cultivation destroyed",
        "Referred to treatment",
        "Other",
    ],
    print_hint: "To print on A4, use the browser's Print (Ctrl+P); the navigation and the pickers are left out.",
    period_year: "Year {year}",
    period_h1: "First half of {year}",
    period_h2: "Second half of {year}",
    no_rows: "No figures in this range.",
    month_hint: "Months are written year-month, e.g. 2026-01. Quarter tables take whole quarters.",
    level_districts: "Former districts",
    level_communes: "Communes and wards",
    yes: "yes",
    no: "no",
    tables: [
        "Tips by area and month",
        "Tips by category and month",
        "Tips by school and quarter",
        "Outcomes by area and quarter",
        "Tips by channel and quarter",
        "Timeliness by quarter",
    ],
    dims: [
        "Month",
        "Quarter",
        "Area",
        "School",
        "Category",
        "Channel",
        "Outcome",
        "Measure",
        "On time",
        "Total",
        "commune not known",
        "Other schools (pooled)",
        "pooled with others, not published alone",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_statistics_text_is_empty_in_any_language() {
        for lang in [Lang::Vi, Lang::En] {
            let t = StatsTexts::of(lang);
            let json = serde_json::to_value(t).unwrap();
            let mut strings = Vec::new();
            collect(&json, &mut strings);
            assert!(strings.len() > 30);
            assert!(strings.iter().all(|s| !s.trim().is_empty()), "{lang:?}");
            assert!(t.suppression_note.contains("{k}"));
        }
    }

    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
}
