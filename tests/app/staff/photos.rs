//! Photos (issue 18, SECURITY.md R19): a tipster adds them one at a time with the receipt;
//! what staff download carries nothing of the phone's metadata; only who may open the tip
//! gets them, each download audited; bad uploads are refused and change nothing.

use super::*;
use tipline::photo::verify_clean_jpeg;

const CANARIES: [&str; 4] = ["CANARY-GPS", "CANARY-MAKER", "CANARY-XMP", "CANARY-TRAIL"];

/// A "phone photo": a 64×48 JPEG with an EXIF block (maker, a GPS position, maker notes),
/// an XMP packet, a comment, and a motion-photo video after its end.
pub fn phone_photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&img)
        .unwrap();
    let segment = |marker: u8, payload: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    exif.extend_from_slice(b"CANARY-MAKER CANARY-GPS 21.3256N 103.9188E");
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>CANARY-XMP</x:xmpmeta>";
    let mut out = plain[..2].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xE1, xmp));
    out.extend(segment(0xFE, b"CANARY-MAKER comment"));
    out.extend_from_slice(&plain[2..]);
    out.extend_from_slice(b"\0\0\0\x18ftypmp42CANARY-TRAIL video bytes");
    out
}

/// A `multipart/form-data` body as a browser sends it: the text fields, then each file as a
/// `photo` part (an empty one: no file chosen). Returns the content type (with its boundary) and the body.
pub fn form_data(fields: &[(&str, &str)], photos: &[&[u8]]) -> (String, Vec<u8>) {
    let boundary = "----tiplinetestboundary7MA4YWxk";
    let mut body = Vec::new();
    let text = |body: &mut Vec<u8>, name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    // The pressed button (`step`) is the form's last field, after the file field, as in the
    // tip form; the others come in their order.
    let (buttons, fields): (Vec<_>, Vec<_>) = fields.iter().partition(|(name, _)| *name == "step");
    for (name, value) in fields {
        text(&mut body, name, value);
    }
    for (i, photo) in photos.iter().enumerate() {
        // An empty file is what a browser sends for a file field left empty.
        let (name, kind) = match photo.is_empty() {
            true => (String::new(), "application/octet-stream"),
            false => (format!("IMG_000{i}.jpg"), "image/jpeg"),
        };
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; \
                 filename=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(photo);
        body.extend_from_slice(b"\r\n");
    }
    for (name, value) in buttons {
        text(&mut body, name, value);
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(app: &TestApp, uri: &str, receipt: &str, photo: Option<&[u8]>) -> TestResponse {
    let photos: Vec<&[u8]> = photo.into_iter().collect();
    let (content_type, body) = form_data(&[("receipt", receipt)], &photos);
    app.send(
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

on_both_clocked!(
    r19_a_phone_photo_reaches_staff_without_any_of_its_metadata,
    START,
    |app, clock| {
        let (id, receipt) = tip(app, Some(116), None, "drug_use", false).await;
        let original = phone_photo();
        let res = upload(app, "/api/v1/followup/photos", &receipt, Some(&original)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        assert_eq!(res.json()["photos"], 1);

        // At rest: sealed and padded, nothing of the picture or its metadata readable.
        let stored = crate::ops::blobs(app, "SELECT body FROM photos").await;
        assert_eq!(stored.len(), 1);
        assert!(
            stored[0].len() >= 64 * 1024,
            "a 2 KB photo padded to the smallest bucket"
        );
        for canary in CANARIES {
            assert!(!String::from_utf8_lossy(&stored[0]).contains(canary));
        }

        let police = staffer(app, clock, "cong.an.anh", Role::Police, &[116], &[]).await;
        let detail = get_as(app, &police, &format!("/api/v1/staff/tips/{id}"))
            .await
            .json();
        let photos = detail["photos"].as_array().unwrap();
        assert_eq!(photos.len(), 1);
        let href = photos[0]["href"].as_str().unwrap();
        let got = get_as(app, &police, href).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.header("content-type"), Some("image/jpeg"));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        assert!(
            got.header("content-disposition")
                .unwrap()
                .starts_with("attachment;")
        );
        let jpeg = got.body.clone();
        let text = String::from_utf8_lossy(&jpeg);
        for needle in CANARIES
            .iter()
            .copied()
            .chain(["Exif", "http://ns.adobe.com", "ftyp"])
        {
            assert!(!text.contains(needle), "{needle} survived");
        }
        verify_clean_jpeg(&jpeg).expect("only the segments a fresh JPEG needs");
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (64, 48));

        // The staff page links it; each download is in the trail.
        let page = get_as(app, &police, &format!("/staff/tips/{id}?lang=en")).await;
        assert!(
            page.text.contains(&format!("/staff/tips/{id}/photos/")),
            "{}",
            page.text
        );
        let trail = get_as(app, &police, &format!("/api/v1/staff/tips/{id}"))
            .await
            .json();
        let opened = trail["audit"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "photo_opened")
            .count();
        assert_eq!(opened, 1);
        assert_logs_keep_nothing(app, &receipt);
    }
);

/// R18: no receipt and nothing of the photo in any log line of the test.
fn assert_logs_keep_nothing(app: &TestApp, receipt: &str) {
    let logs = app.logs.text();
    assert!(!logs.contains(receipt) && !logs.contains(&receipt.replace(' ', "")));
    for canary in CANARIES {
        assert!(!logs.contains(canary), "{canary} in the logs");
    }
}

on_both_clocked!(
    r12_only_who_may_open_the_tip_gets_its_photos,
    START,
    |app, clock| {
        let (id, receipt) = tip(app, Some(116), None, "drug_use", false).await;
        let res = upload(
            app,
            "/api/v1/followup/photos",
            &receipt,
            Some(&phone_photo()),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let police = staffer(app, clock, "cong.an.116", Role::Police, &[116], &[]).await;
        let detail = get_as(app, &police, &format!("/api/v1/staff/tips/{id}"))
            .await
            .json();
        let href = detail["photos"][0]["href"].as_str().unwrap().to_owned();
        let elsewhere = staffer(app, clock, "cong.an.khac", Role::Police, &[127], &[]).await;
        assert_eq!(
            get_as(app, &elsewhere, &href).await.status,
            StatusCode::NOT_FOUND
        );
        let analyst = staffer(app, clock, "phan.tich", Role::Analyst, &[], &[]).await;
        assert_eq!(
            get_as(app, &analyst, &href).await.status,
            StatusCode::FORBIDDEN
        );
        let anonymous = app.get(&href).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let wrong = href.replace("/photos/", "/photos/00");
        assert_eq!(
            get_as(app, &police, &wrong).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

on_both_clocked!(
    bad_photos_are_refused_in_words_and_store_nothing,
    START,
    |app, _clock| {
        let (_, receipt) = tip(app, Some(116), None, "drug_use", false).await;
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic more bytes of an iPhone photo";
        let res = upload(app, "/api/v1/followup/photos", &receipt, Some(heic)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.error_code(), "photo_heic");
        let res = upload(
            app,
            "/api/v1/followup/photos",
            &receipt,
            Some(b"%PDF-1.7 not a photo"),
        )
        .await;
        assert_eq!(res.error_code(), "photo_not_a_photo");
        let res = upload(app, "/api/v1/followup/photos", &receipt, None).await;
        assert_eq!(res.error_code(), "photo_missing");
        let res = upload(app, "/api/v1/followup/photos", "1234", Some(&phone_photo())).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = app
            .send(
                Request::post("/api/v1/followup/photos")
                    .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                    .body(Body::from("--x\r\ngarbage"))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
        // R23: a photo over 10 MB is refused as too large, on the page and in the API.
        let huge = vec![0xFFu8; tipline::photo::MAX_PHOTO_BYTES + 1];
        let res = upload(app, "/api/v1/followup/photos", &receipt, Some(&huge)).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text);
        let res = upload(app, "/followup/photo", &receipt, Some(&huge)).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(res.header("content-type").unwrap().starts_with("text/html"));
        assert_eq!(crate::ops::count(app, "photos").await, 0);

        // The page says it next to the field, in Vietnamese by default.
        let page = upload(app, "/followup/photo", &receipt, Some(heic)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.text.contains("chụp màn hình"), "{}", page.text);
        assert_eq!(crate::ops::count(app, "photos").await, 0);
        assert_logs_keep_nothing(app, &receipt);
    }
);

on_both_clocked!(
    a_tipster_adds_three_photos_from_the_follow_up_page_and_no_fourth,
    START,
    |app, _clock| {
        let (_, receipt) = tip(app, Some(116), None, "drug_use", false).await;
        let page = app
            .post_form("/followup?lang=en", &[("receipt", &receipt)])
            .await;
        assert!(
            page.text.contains("enctype=\"multipart/form-data\""),
            "{}",
            page.text
        );
        assert!(page.text.contains("0 of 3 photos added."));
        for n in 1..=3 {
            let page = upload(
                app,
                "/followup/photo?lang=en",
                &receipt,
                Some(&phone_photo()),
            )
            .await;
            assert!(page.status.is_success(), "{}", page.text);
            assert!(page.text.contains("Photo added."));
            assert!(page.text.contains(&format!("{n} of 3 photos added.")));
        }
        assert!(
            !page_has_upload_form(app, &receipt).await,
            "no form once full"
        );
        let res = upload(
            app,
            "/api/v1/followup/photos",
            &receipt,
            Some(&phone_photo()),
        )
        .await;
        assert_eq!(res.error_code(), "too_many_photos");
        assert_eq!(crate::ops::count(app, "photos").await, 3);
    }
);

async fn page_has_upload_form(app: &TestApp, receipt: &str) -> bool {
    let page = app
        .post_form("/followup?lang=en", &[("receipt", receipt)])
        .await;
    page.text.contains("/followup/photo")
}

/// A body that arrives as from a connection: 16 KiB at a time, each after a pause (a pending
/// poll), so that a reader sees it in pieces as it would from a phone.
pub fn trickle(body: Vec<u8>) -> Body {
    Body::new(Trickle {
        rest: body.into(),
        paused: false,
    })
}

struct Trickle {
    rest: axum::body::Bytes,
    paused: bool,
}

impl http_body::Body for Trickle {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        if !self.paused {
            self.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.paused = false;
        let n = self.rest.len().min(16 * 1024);
        let chunk = self.rest.split_to(n);
        Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
    }
}
