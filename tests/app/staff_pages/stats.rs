//! The statistics pages in the staff layout: navigation for the roles that may view
//! statistics, the session's end, a sign-out form that carries the token, pickers that are
//! plain GET forms, and the CLI's report as a document of its own.

use super::*;
use tipline::domain::Lang;
use tipline::domain::period::Period;
use tipline::service::stats::Audience;

const STATS_NAV: &str = "href=\"/staff/stats?lang=en\"";
const REPORT_NAV: &str = "href=\"/staff/reports/indicators?lang=en\"";

/// The staff frame around a page, as the signed-in `browser` sees it.
fn assert_framed_for(html: &str, browser: &Browser) {
    assert_staff_layout(html);
    assert!(
        html.contains("Session ends at"),
        "the session's end is shown"
    );
    let logout = html
        .find("action=\"/staff/logout?lang=en\"")
        .expect("a sign-out form");
    let form = &html[logout..logout + html[logout..].find("</form>").unwrap()];
    assert!(
        form.contains(&format!("name=\"csrf_token\" value=\"{}\"", browser.csrf)),
        "the sign-out form carries the session's token: {form}"
    );
    assert!(html.contains(STATS_NAV) && html.contains(REPORT_NAV));
    assert!(!html.contains("style="), "no inline style under the CSP");
    assert!(!html.contains("<script"), "no script under the CSP");
}

crate::on_both_clocked!(
    the_statistics_pages_show_the_staff_navigation_session_end_and_sign_out,
    START,
    |app, clock| {
        tip_in(app, 127, "quán nước sau trường").await;
        let analyst = add_staff(app, "phan.tich", Role::Analyst, &[], &[]).await;
        let browser = sign_in(app, clock, &analyst).await;

        let stats = get_as(app, &browser, "/staff/stats?lang=en").await;
        assert_eq!(stats.status, StatusCode::OK, "{}", stats.text);
        assert_framed_for(&stats.text, &browser);
        assert!(stats.text.contains("<svg") && stats.text.contains("<table"));
        assert!(
            stats
                .text
                .contains("<form class=\"picker\" method=\"get\" action=\"/staff/stats\">"),
            "the table picker is a GET form"
        );
        assert!(
            stats.text.contains("Tips by area and month"),
            "tables are named"
        );

        let report = get_as(app, &browser, "/staff/reports/indicators?lang=en").await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        assert_framed_for(&report.text, &browser);
        assert!(
            report
                .text
                .contains("School drug prevention: indicator report")
        );
        assert!(
            report
                .text
                .contains("method=\"get\" action=\"/staff/reports/indicators\"")
        );
        assert!(
            report
                .text
                .contains("<option value=\"2026\" selected>Year 2026</option>"),
            "the period picker says which period is shown"
        );

        // The language switch keeps the period; the Vietnamese page has its own words.
        let half = get_as(
            app,
            &browser,
            "/staff/reports/indicators?period=2026-H1&lang=vi",
        )
        .await;
        assert_eq!(half.status, StatusCode::OK, "{}", half.text);
        assert!(
            half.text
                .contains("href=\"/staff/reports/indicators?period=2026-H1&#38;lang=en\"")
        );
        assert!(half.text.contains(">Thống kê</a>") && half.text.contains(">Báo cáo chỉ tiêu</a>"));
        assert!(
            half.text
                .contains("<option value=\"2026-H1\" selected>6 tháng đầu năm 2026")
        );
    }
);

crate::on_both_clocked!(
    statistics_are_in_the_navigation_only_of_roles_that_may_view_them,
    START,
    |app, clock| {
        let school = app.state.services.directory().schools_within(127)[0].id;
        for (name, role, schools, shown) in [
            ("cong.an", Role::Police, vec![], true),
            ("hieu.truong", Role::SchoolHead, vec![school], true),
            ("giao.vien", Role::SchoolLiaison, vec![school], false),
            ("quan.tri", Role::Admin, vec![], false),
        ] {
            let account = add_staff(app, name, role, &[], &schools).await;
            let browser = sign_in(app, clock, &account).await;
            let home = get_as(app, &browser, "/staff?lang=en").await;
            assert_eq!(home.text.contains(STATS_NAV), shown, "{name}");
            assert_eq!(home.text.contains(REPORT_NAV), shown, "{name}");
            if shown {
                let page = get_as(app, &browser, "/staff/stats?lang=en").await;
                assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.text);
                continue;
            }
            // Refused in the staff layout, not the tipster's error page with its quick exit.
            for uri in ["/staff/stats?lang=en", "/staff/reports/indicators?lang=en"] {
                let page = get_as(app, &browser, uri).await;
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{name} {uri}");
                assert_staff_layout(&page.text);
                assert!(!page.text.contains("<svg"), "{name} {uri}");
            }
        }
    }
);

crate::on_both_clocked!(
    picking_a_quarter_table_after_a_month_table_shows_whole_quarters,
    START,
    |app, clock| {
        let police = add_staff(app, "cong.an.q", Role::Police, &[], &[]).await;
        let browser = sign_in(app, clock, &police).await;
        // The months a month table showed, sent with a quarter table by the picker.
        let uri = "/staff/stats?lang=en&table=channel-quarter&from=2025-12&to=2026-11";
        let page = get_as(app, &browser, uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("name=\"from\" value=\"2025-10\""));
        assert!(page.text.contains("name=\"to\" value=\"2026-12\""));
        assert!(
            !page.text.contains("id=\"s-level\""),
            "no level for a channel table"
        );
        // The API still says what is wrong with such a range.
        let api = get_as(
            app,
            &browser,
            "/api/v1/stats/channel-quarter?from=2025-12&to=2026-11",
        )
        .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.text);
    }
);

crate::on_both!(the_cli_report_is_a_standalone_document, |app| {
    tip_in(app, 127, "vườn anh túc trên đồi").await;
    let dir = app.state.services.directory();
    let report = app
        .state
        .services
        .stats(&dir)
        .report_for(&Audience::Province, Period::Year(2026))
        .await
        .unwrap();
    let html = tipline::web::stats::print::report_html(&report, Lang::Vi).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<h1>Báo cáo chỉ tiêu phòng, chống ma túy trong trường học</h1>"));
    assert!(
        html.contains("<style>") && html.contains("@media print"),
        "it carries its stylesheet"
    );
    assert!(!html.contains("/static/"), "nothing to fetch from a server");
    for staff_frame in ["csrf_token", "/staff/logout", "<nav", "<form"] {
        assert!(
            !html.contains(staff_frame),
            "{staff_frame} in the CLI's report"
        );
    }
    assert!(html.contains("<svg") && html.contains("<table class=\"report\">"));
});
