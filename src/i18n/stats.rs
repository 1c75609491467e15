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
}

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
