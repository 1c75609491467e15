//! The 2025 region tree (issue 7): the upgrade of an installation made by the previous release,
//! `tipline regions import`, and the form's commune step.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use tipline::clock::SystemClock;
use tipline::domain::{Region, RegionKind};

const SHIPPED_CSV: &str = include_str!("../../seed/son-la-communes-2025.csv");

/// The previous release's seed, as it loaded it: the province, 12 districts (with Thuận Châu
/// wrongly flagged as border), the sample schools on districts, and one imported school.
const PREVIOUS_RELEASE_DATA: &str = "
INSERT INTO regions (id, name, parent_id, border_area) VALUES (14, 'Tỉnh Sơn La', NULL, FALSE);
INSERT INTO regions (id, name, parent_id, border_area) VALUES
(116, 'Thành phố Sơn La', 14, FALSE), (118, 'Huyện Quỳnh Nhai', 14, FALSE),
(119, 'Huyện Thuận Châu', 14, TRUE), (120, 'Huyện Mường La', 14, FALSE),
(121, 'Huyện Bắc Yên', 14, FALSE), (122, 'Huyện Phù Yên', 14, FALSE),
(123, 'Huyện Mộc Châu', 14, TRUE), (124, 'Huyện Yên Châu', 14, TRUE),
(125, 'Huyện Mai Sơn', 14, TRUE), (126, 'Huyện Sông Mã', 14, TRUE),
(127, 'Huyện Sốp Cộp', 14, TRUE), (128, 'Huyện Vân Hồ', 14, TRUE);
INSERT INTO schools (code, name, level, region_id, sample, active) VALUES
('SAMPLE-116-1', 'Trường THPT Chiềng Sinh (MẪU)', 'upper_secondary', 116, TRUE, TRUE),
('SAMPLE-116-2', 'Trường THCS Quyết Thắng (MẪU)', 'lower_secondary', 116, TRUE, TRUE),
('SAMPLE-116-3', 'Trường PTDT Nội trú tỉnh (MẪU)', 'ethnic_boarding', 116, TRUE, TRUE),
('SAMPLE-118-1', 'Trường THPT Quỳnh Nhai (MẪU)', 'upper_secondary', 118, TRUE, TRUE),
('SAMPLE-118-2', 'Trường TH Mường Giàng (MẪU)', 'primary', 118, TRUE, TRUE),
('SAMPLE-119-1', 'Trường THPT Thuận Châu (MẪU)', 'upper_secondary', 119, TRUE, TRUE),
('SAMPLE-119-2', 'Trường PTDTBT THCS Co Mạ (MẪU)', 'ethnic_boarding', 119, TRUE, TRUE),
('SAMPLE-120-1', 'Trường THPT Mường La (MẪU)', 'upper_secondary', 120, TRUE, TRUE),
('SAMPLE-120-2', 'Trường THCS Ít Ong (MẪU)', 'lower_secondary', 120, TRUE, TRUE),
('SAMPLE-121-1', 'Trường THPT Bắc Yên (MẪU)', 'upper_secondary', 121, TRUE, TRUE),
('SAMPLE-121-2', 'Trường PTDTBT TH Hang Chú (MẪU)', 'ethnic_boarding', 121, TRUE, TRUE),
('SAMPLE-122-1', 'Trường THPT Phù Yên (MẪU)', 'upper_secondary', 122, TRUE, TRUE),
('SAMPLE-122-2', 'Trường THCS Quang Huy (MẪU)', 'lower_secondary', 122, TRUE, TRUE),
('SAMPLE-123-1', 'Trường THPT Mộc Lỵ (MẪU)', 'upper_secondary', 123, TRUE, TRUE),
('SAMPLE-123-2', 'Trường TH Chiềng Khừa (MẪU)', 'primary', 123, TRUE, TRUE),
('SAMPLE-124-1', 'Trường THPT Yên Châu (MẪU)', 'upper_secondary', 124, TRUE, TRUE),
('SAMPLE-124-2', 'Trường PTDTBT THCS Phiêng Khoài (MẪU)', 'ethnic_boarding', 124, TRUE, TRUE),
('SAMPLE-125-1', 'Trường THPT Mai Sơn (MẪU)', 'upper_secondary', 125, TRUE, TRUE),
('SAMPLE-125-2', 'Trường THCS Phiêng Pằn (MẪU)', 'lower_secondary', 125, TRUE, TRUE),
('SAMPLE-126-1', 'Trường THPT Sông Mã (MẪU)', 'upper_secondary', 126, TRUE, TRUE),
('SAMPLE-126-2', 'Trường PTDTBT THCS Mường Cai (MẪU)', 'ethnic_boarding', 126, TRUE, TRUE),
('SAMPLE-127-1', 'Trường THPT Sốp Cộp (MẪU)', 'upper_secondary', 127, TRUE, TRUE),
('SAMPLE-127-2', 'Trường PTDTBT TH Mường Lèo (MẪU)', 'ethnic_boarding', 127, TRUE, TRUE),
('SAMPLE-128-1', 'Trường THPT Vân Hồ (MẪU)', 'upper_secondary', 128, TRUE, TRUE),
('SAMPLE-128-2', 'Trường TH Xuân Nha (MẪU)', 'primary', 128, TRUE, TRUE),
('SAMPLE-128-3', 'Trung tâm GDNN-GDTX huyện Vân Hồ (MẪU)', 'continuing_education', 128, TRUE, TRUE),
('REAL-1', 'Trường THCS Chiềng Mung', 'lower_secondary', 125, FALSE, TRUE);
";

/// Creates the previous release's schema (migration 0001 only, recorded as sqlx records it)
/// with its seed data, at a new database URL.
async fn previous_release_database(backend: Backend, dir: &Path) -> String {
    use sqlx::Connection;
    let url = match backend {
        Backend::Sqlite => sqlite_url(&dir.join("old.db")),
        Backend::Postgres => fresh_postgres_url().await,
    };
    let dialect = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let migrator = sqlx::migrate::Migrator::new(migrations).await.unwrap();
    let data = sqlx::AssertSqlSafe(PREVIOUS_RELEASE_DATA.to_owned());
    match backend {
        Backend::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
            let mut conn = sqlx::SqliteConnection::connect_with(&options.create_if_missing(true))
                .await
                .unwrap();
            migrator.run_to(1, &mut conn).await.unwrap();
            sqlx::Executor::execute(&mut conn, data).await.unwrap();
            conn.close().await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            migrator.run_to(1, &mut conn).await.unwrap();
            sqlx::Executor::execute(&mut conn, data).await.unwrap();
            conn.close().await.unwrap();
        }
    }
    url
}

/// Tips made by the app's own intake (on a scratch installation with the same keys), moved
/// byte for byte into the old database as the previous release would have stored them: the
/// region of a tip with a school was then the school's district.
async fn fill_with_tips(scratch: &TestApp, old_url: &str) -> Vec<(String, Option<i64>)> {
    let schools = scratch.get("/api/v1/schools?region_id=125").await.json();
    let school = schools["schools"][0]["id"].as_i64().unwrap();
    let cases: [(Option<i64>, Option<i64>); 4] = [
        (Some(127), None),
        (Some(125), Some(school)),
        (None, None),
        (Some(119), None),
    ];
    let mut receipts = Vec::new();
    for (i, (region, school)) in cases.iter().enumerate() {
        let res = scratch
            .post_json(
                "/api/v1/tips",
                json!({"category": "trafficking", "body": format!("tin cũ {i}"),
                       "region_id": region, "school_id": school}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
        let reply = scratch
            .post_json(
                "/api/v1/followup/messages",
                json!({"receipt": receipt, "body": format!("thêm {i}")}),
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.text);
        receipts.push((receipt, *region));
    }
    // The rows as the previous release's schema (0001) holds them, as SQL literals: the staff
    // side's columns did not exist yet.
    let statements = old_release_rows(&scratch.database_url).await;
    let old_backend = if old_url.starts_with("postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    exec_on(old_backend, old_url, &statements).await;
    receipts
}

/// INSERTs of the scratch installation's tips, messages and facts in the 0001 columns, with the
/// region of a tip with a school set to its district (125), as the previous release stored it.
async fn old_release_rows(scratch_url: &str) -> String {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::SqliteConnection::connect(scratch_url).await.unwrap();
    let hex = |b: Vec<u8>| format!("'\\x{}'", hex::encode(b));
    let text = |s: String| format!("'{}'", s.replace('\'', "''"));
    let int = |v: Option<i64>| v.map_or("NULL".into(), |v| v.to_string());
    let boolean = |v: bool| if v { "TRUE" } else { "FALSE" }.to_owned();
    let mut out = String::new();
    let tips = sqlx::query(
        "SELECT id, lookup_id, kek_id, wrapped_dek, content, category, region_id, school_id, \
         urgent, involves_staff, channel, status, created_month FROM tips",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in tips {
        let school: Option<i64> = r.get("school_id");
        let region = if school.is_some() {
            Some(125)
        } else {
            r.get("region_id")
        };
        out += &format!(
            "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, category, region_id, \
             school_id, urgent, involves_staff, channel, status, created_month) VALUES \
             ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});\n",
            text(r.get("id")),
            hex(r.get("lookup_id")),
            text(r.get("kek_id")),
            hex(r.get("wrapped_dek")),
            hex(r.get("content")),
            text(r.get("category")),
            int(region),
            int(school),
            boolean(r.get("urgent")),
            boolean(r.get("involves_staff")),
            text(r.get("channel")),
            text(r.get("status")),
            text(r.get("created_month")),
        );
    }
    let messages = sqlx::query("SELECT id, tip_id, author, body FROM messages")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    for r in messages {
        out += &format!(
            "INSERT INTO messages (id, tip_id, author, body) VALUES ({}, {}, {}, {});\n",
            text(r.get("id")),
            text(r.get("tip_id")),
            text(r.get("author")),
            hex(r.get("body")),
        );
    }
    let facts = sqlx::query(
        "SELECT tip_id, month, region_id, school_id, category, channel, urgent FROM tip_facts",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in facts {
        let school: Option<i64> = r.get("school_id");
        let region = if school.is_some() {
            Some(125)
        } else {
            r.get("region_id")
        };
        out += &format!(
            "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, channel, \
             urgent) VALUES ({}, {}, {}, {}, {}, {}, {});\n",
            text(r.get("tip_id")),
            text(r.get("month")),
            int(region),
            int(school),
            text(r.get("category")),
            text(r.get("channel")),
            boolean(r.get("urgent")),
        );
    }
    out
}

/// Runs statements on a database behind the application's back.
async fn exec_on(backend: Backend, url: &str, sql: &str) {
    use sqlx::Connection;
    // SQLite spells a blob literal X'..', PostgreSQL '\x..'.
    let sql = match backend {
        Backend::Sqlite => sql.replace("'\\x", "X'"),
        Backend::Postgres => sql.to_owned(),
    };
    let sql = sqlx::AssertSqlSafe(sql);
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::Executor::execute(&mut conn, sql).await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::Executor::execute(&mut conn, sql).await.unwrap();
        }
    }
}

async fn an_installation_of_the_previous_release_upgrades_in_place(backend: Backend) {
    // A fresh installation of this release, also the source of the tips.
    let fresh = TestApp::spawn(Backend::Sqlite).await;
    let old_dir = tempfile::tempdir().unwrap();
    let url = previous_release_database(backend, old_dir.path()).await;
    let receipts = fill_with_tips(&fresh, &url).await;

    // Upgrade: the app's own startup migrates (0002, then 0003) with the same keys. The
    // previous release kept no installation marker in keys/: take away the one the fresh
    // installation just wrote, as the keys directory of that release would be.
    let config = test_config(fresh.dir.path(), &url);
    std::fs::remove_file(config.keys_dir.join("installation")).unwrap();
    let keyring = tipline::startup::load_keyring(&config).unwrap();
    let store = tipline::startup::open_store(&config, &keyring)
        .await
        .unwrap();
    let state = tipline::startup::state(config, store, keyring, Arc::new(SystemClock))
        .await
        .unwrap();
    let upgraded = TestApp::around(state, url.clone(), old_dir);

    // Every tip still opens, with its messages.
    for (i, (receipt, _)) in receipts.iter().enumerate() {
        let res = upgraded
            .post_json("/api/v1/followup", json!({"receipt": receipt}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.json()["category"], "trafficking");
        assert_eq!(res.json()["messages"][0]["body"], format!("thêm {i}"));
    }
    // Tips, facts and schools keep valid regions; the districts are former districts now.
    let store = upgraded.store();
    let regions = store.regions().await.unwrap();
    let region = |id: i64| regions.iter().find(|r| r.id == id).unwrap();
    let tips = store.tips_page("", 100).await.unwrap();
    let facts = store.facts().await.unwrap();
    assert_eq!((tips.len(), facts.len()), (4, 4));
    for tip in &tips {
        if let Some(r) = tip.region_id {
            assert_eq!(region(r).kind, RegionKind::FormerDistrict);
        }
        let fact = facts.iter().find(|f| f.tip_id == tip.id).unwrap();
        assert_eq!(fact.region_id, tip.region_id, "facts keep their region");
    }
    let (province, thuận_châu) = (region(14), region(119));
    assert_eq!(
        (province.code.as_str(), province.kind),
        ("14", RegionKind::Province)
    );
    assert_eq!(thuận_châu.code, "119");
    assert!(
        !thuận_châu.border_area,
        "Thuận Châu is not a border district"
    );
    // The same tree as a fresh installation, row for row.
    assert_eq!(regions, fresh.store().regions().await.unwrap());
    // The sample schools moved to the communes a fresh installation puts them in; the imported
    // school stays on its former district until the real list is imported again.
    let schools = store.schools().await.unwrap();
    let fresh_schools = fresh.store().schools().await.unwrap();
    for sample in &fresh_schools {
        let moved = schools.iter().find(|s| s.code == sample.code).unwrap();
        assert_eq!((moved.id, moved.region_id), (sample.id, sample.region_id));
        assert!(region(moved.region_id).kind.is_unit());
    }
    let real = schools.iter().find(|s| s.code == "REAL-1").unwrap();
    assert_eq!(real.region_id, 125);
    assert_eq!(
        schools.len(),
        27,
        "no sample list seeded over the existing one"
    );
    // Staff scoped to a former district still see the old tips and the new ones below it.
    let dir = upgraded.state.services.directory();
    let mường_lèo = dir.unit_by_code("04240").unwrap().id;
    assert!(dir.is_within(mường_lèo, 127));
    let res = upgraded
        .post_json(
            "/api/v1/tips",
            json!({"category": "drug_use", "body": "sau nâng cấp", "region_id": mường_lèo}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    if backend == Backend::Postgres {
        upgraded.state.services.store().close().await;
        drop_postgres_database(&url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_of_the_previous_release_upgrades_in_place_on_sqlite() {
    an_installation_of_the_previous_release_upgrades_in_place(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn an_installation_of_the_previous_release_upgrades_in_place_on_postgres() {
    an_installation_of_the_previous_release_upgrades_in_place(Backend::Postgres).await;
}

/// The shipped file with some lines replaced or dropped, plus extra lines.
fn edited_csv(edit: impl Fn(&str) -> Option<String>, extra: &str) -> String {
    let mut out = String::new();
    for (i, line) in SHIPPED_CSV.lines().enumerate() {
        let line = if i == 0 {
            Some(line.to_owned())
        } else {
            edit(line)
        };
        if let Some(line) = line {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out + extra
}

fn unit<'a>(regions: &'a [Region], code: &str) -> &'a Region {
    regions
        .iter()
        .find(|r| r.code == code && r.active)
        .unwrap_or_else(|| panic!("no active unit {code}"))
}

crate::on_both!(
    regions_import_adds_renames_retires_and_refuses_bad_files,
    |app| {
        let config = test_config(app.dir.path(), &app.database_url);
        let file = app.dir.path().join("regions.csv");
        let before = app.store().regions().await.unwrap();
        let chiềng_cơi = unit(&before, "03670").id;
        // A tip in the unit that the new file leaves out.
        let res = app
            .post_json(
                "/api/v1/tips",
                json!({"category": "drug_use", "body": "ở Chiềng Cơi", "region_id": chiềng_cơi}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
        let receipt = res.json()["receipt"].as_str().unwrap().to_owned();

        let next = edited_csv(
            |line| {
                if line.starts_with("03670,") {
                    None
                } else {
                    Some(line.replace("03646,Phường Tô Hiệu,", "03646,Phường Tô Hiệu Mới,"))
                }
            },
            "09999,Xã Mới,xa,TP Sơn La,no\n",
        );
        std::fs::write(&file, &next).unwrap();

        // A dry run says what would change and writes nothing.
        let lines = tipline::commands::regions_import(&config, &file, true)
            .await
            .unwrap();
        let said = lines.join("\n");
        assert!(said.contains("rename 03646"), "{said}");
        assert!(said.contains("retire ward 03670"), "{said}");
        assert!(said.contains("add commune 09999"), "{said}");
        assert!(said.contains("dry run, nothing written"), "{said}");
        assert_eq!(app.store().regions().await.unwrap(), before);

        // Refusals name the line and write nothing.
        for (content, expected) in [
            (
                edited_csv(|l| Some(l.into()), "09998,Xã Lạ,xa,Huyện Không Có,no\n"),
                "line 77: unknown parent",
            ),
            (
                edited_csv(
                    |l| Some(l.into()),
                    "03646,Phường Trùng,phuong,TP Sơn La,no\n",
                ),
                "line 77: duplicate code",
            ),
            (
                edited_csv(
                    |l| Some(l.into()),
                    "201,Khu A,former_district,202,no\n202,Khu B,former_district,201,no\n",
                ),
                "cycle",
            ),
            (
                "code,name,kind,lao_border\n03646,Phường Tô Hiệu,phuong,no\n".to_owned(),
                "line 1: missing column \"former_district\"",
            ),
            // Phường Tô Hiệu holds a sample school: retiring it would orphan the school.
            (
                edited_csv(|l| (!l.starts_with("03646,")).then(|| l.into()), ""),
                "school(s) belong to it",
            ),
        ] {
            std::fs::write(&file, &content).unwrap();
            let err = tipline::commands::regions_import(&config, &file, false)
                .await
                .unwrap_err();
            assert!(format!("{err:#}").contains(expected), "{err:#}");
            assert_eq!(app.store().regions().await.unwrap(), before, "{expected}");
        }

        std::fs::write(&file, &next).unwrap();
        let lines = tipline::commands::regions_import(&config, &file, false)
            .await
            .unwrap();
        assert!(lines.join("\n").contains("imported"), "{lines:?}");
        let after = app.store().regions().await.unwrap();
        assert_eq!(after.len(), before.len() + 1, "added one, deleted none");
        let retired = after.iter().find(|r| r.id == chiềng_cơi).unwrap();
        assert!(!retired.active, "retired, kept for its tip");
        assert_eq!(unit(&after, "03646").name, "Phường Tô Hiệu Mới");
        let added = unit(&after, "09999");
        assert_eq!(added.parent_id, Some(116));
        // Importing the same file again changes nothing.
        let again = tipline::commands::regions_import(&config, &file, false)
            .await
            .unwrap();
        assert!(again.join("\n").contains("no changes"), "{again:?}");

        // The server sees the new tree; the old tip still opens; the retired unit takes no new tip.
        app.state.services.reload_directory().await.unwrap();
        let res = app
            .post_json("/api/v1/followup", json!({"receipt": receipt}))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let regions = app.get("/api/v1/regions").await.json();
        let listed = regions["regions"].as_array().unwrap();
        assert!(listed.iter().all(|r| r["id"] != chiềng_cơi));
        assert!(
            listed
                .iter()
                .any(|r| r["code"] == "09999" && r["kind"] == "commune")
        );
        let form = app.get("/").await;
        assert!(form.text.contains("Xã Mới") && !form.text.contains("Phường Chiềng Cơi"));
        let res = app
            .post_json(
                "/api/v1/tips",
                json!({"category": "drug_use", "body": "x", "region_id": chiềng_cơi}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

crate::on_both!(the_form_offers_communes_grouped_by_former_district, |app| {
    let page = app.get("/").await;
    // 203, not 200: kept out of the back/forward cache (issue 13).
    assert_eq!(page.status, StatusCode::NON_AUTHORITATIVE_INFORMATION);
    assert_eq!(page.text.matches("<optgroup label=").count(), 12);
    assert!(page.text.contains("<optgroup label=\"Huyện Sốp Cộp\">"));
    assert!(page.text.contains(">Phường Chiềng An</option>"));
    let select = page
        .text
        .split("<select id=\"region_id\"")
        .nth(1)
        .and_then(|s| s.split("</select>").next())
        .unwrap();
    // Nothing, each former district alone, or one of the 75 units.
    assert_eq!(select.matches("<option ").count(), 1 + 12 + 75);
    // A 360 px phone: the page scales to the device and stays small (CSS included).
    assert!(page.text.contains("width=device-width"));
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    let bytes = page.text.len() + css.text.len();
    assert!(bytes < 30 * 1024, "form and CSS weigh {bytes} bytes");

    // A commune: only its schools are offered, the typed text comes back.
    let regions = app.store().regions().await.unwrap();
    let mường_lèo = unit(&regions, "04240").id.to_string();
    let page = app
        .post_form(
            "/tip?lang=vi",
            &[
                ("region_id", &mường_lèo),
                ("body", "đã gõ"),
                ("step", "district"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains(&format!("value=\"{mường_lèo}\" selected"))
    );
    assert!(page.text.contains("Trường PTDTBT TH Mường Lèo (MẪU)"));
    assert!(
        !page.text.contains("Trường THPT Sốp Cộp (MẪU)"),
        "a school of the next commune is not offered"
    );
    assert!(page.text.contains(">đã gõ</textarea>"));

    // A school outside the chosen unit is refused; nothing stored.
    let sốp_cộp_school = app.get("/api/v1/schools?region_id=127").await.json()["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Trường THPT Sốp Cộp (MẪU)")
        .unwrap()["id"]
        .to_string();
    let page = app
        .post_form(
            "/tip?lang=en",
            &[
                ("region_id", &mường_lèo),
                ("school_id", &sốp_cộp_school),
                ("category", "trafficking"),
                ("body", "x"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("not in the chosen commune"),
        "{}",
        page.text
    );
    assert_eq!(app.store().counts().await.unwrap().tips, 0);

    // "I don't know the commune": the former district alone, or nothing. Facts record the unit
    // chosen; counts roll up to the district and the province.
    for region in [mường_lèo.as_str(), "127", ""] {
        let page = app
            .post_form(
                "/tip?lang=vi",
                &[
                    ("region_id", region),
                    ("category", "trafficking"),
                    ("body", "có người mang hàng qua"),
                    ("step", "send"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    }
    let facts = app.store().facts().await.unwrap();
    let mut recorded: Vec<Option<i64>> = facts.iter().map(|f| f.region_id).collect();
    recorded.sort();
    let mường_lèo: i64 = mường_lèo.parse().unwrap();
    assert_eq!(recorded, [None, Some(127), Some(mường_lèo)]);
    let dir = app.state.services.directory();
    let totals = dir.roll_up(facts.iter().filter_map(|f| f.region_id).map(|r| (r, 1)));
    assert_eq!(totals.get(&mường_lèo), Some(&1));
    assert_eq!(
        totals.get(&127),
        Some(&2),
        "the commune's tip counts for its district"
    );
    assert_eq!(totals.get(&14), Some(&2));
});
