//! The indicator report as CSV (one line per unit and measure), for spreadsheets. Suppressed
//! counts are written as `<k`, never as a number.

use super::report::{Cell, IndicatorReport, Keyed, Timely};

fn count(cell: Cell, k: u64) -> String {
    match cell.count {
        Some(n) => n.to_string(),
        None => format!("<{k}"),
    }
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.4}"))
}

/// `period,region_id,region,level,measure,key,count,suppressed,share`.
pub fn report_csv(report: &IndicatorReport) -> anyhow::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "period",
        "region_id",
        "region",
        "level",
        "measure",
        "key",
        "count",
        "suppressed",
        "share",
    ])?;
    let k = report.k;
    for u in &report.units {
        let id = u.region_id.to_string();
        let mut line = |measure: &str, key: &str, cell: Option<Cell>, sh: Option<f64>| {
            let (c, s) = cell.map_or((String::new(), String::new()), |c| {
                (count(c, k), c.suppressed.to_string())
            });
            w.write_record([
                report.period.as_str(),
                &id,
                &u.name,
                u.level,
                measure,
                key,
                &c,
                &s,
                &share(sh),
            ])
        };
        line("received", "", Some(u.received), None)?;
        for (measure, list) in [
            ("category", &u.by_category),
            ("channel", &u.by_channel),
            ("outcome", &u.by_outcome),
        ] {
            for Keyed {
                key,
                count,
                suppressed,
            } in list
            {
                let cell = Cell {
                    count: *count,
                    suppressed: *suppressed,
                };
                line(measure, key, Some(cell), None)?;
            }
        }
        for (measure, t) in [
            ("classified_within_24h", &u.classified_within_24h),
            ("decided_within_20_days", &u.decided_within_20_days),
        ] {
            let Timely {
                on_time,
                late,
                share,
            } = t;
            line(measure, "on_time", Some(*on_time), None)?;
            line(measure, "late", Some(*late), None)?;
            line(measure, "share", None, *share)?;
        }
        let active = Cell {
            count: Some(u.active_schools),
            suppressed: false,
        };
        line("active_schools", "", Some(active), None)?;
        line(
            "schools_with_confirmed_case",
            "",
            Some(u.schools_with_confirmed_case),
            None,
        )?;
        let free = u.drug_free_schools.map(|n| Cell {
            count: Some(n),
            suppressed: false,
        });
        line("drug_free_schools", "", free, None)?;
        line("drug_free_school_rate", "", None, u.drug_free_school_rate)?;
    }
    line_target(&mut w, report)?;
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn line_target(w: &mut ::csv::Writer<Vec<u8>>, report: &IndicatorReport) -> anyhow::Result<()> {
    w.write_record([
        report.period.as_str(),
        "",
        "",
        "province",
        "drug_free_school_rate_target",
        "",
        "",
        "",
        &share(Some(report.target)),
    ])?;
    Ok(())
}
