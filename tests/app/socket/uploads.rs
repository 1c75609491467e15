//! The tip form's photos over a real socket (issue 18, R19): once the text is in, a refusal
//! still reads the rest of the upload before answering, so that the answer reaches a phone that
//! is still sending. Answering over an unread upload closes the connection with data unread,
//! the kernel resets it, and the client (a browser mid-upload) loses the page with its text.

use super::client::*;
use axum::http::StatusCode;
use tokio::net::TcpStream;

const TEXT: &str = "Nguoi ban thuoc o cong truong moi chieu";

/// A tip form with the text, then `small` empty-ish photo parts, then one of `big` bytes.
fn form_with_parts(small: usize, big: usize) -> (String, Vec<u8>) {
    let boundary = "----tiplinesocketboundary";
    let mut body = Vec::new();
    for (name, value) in [("category", "drug_use"), ("body", TEXT)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let part = |body: &mut Vec<u8>, bytes: usize| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; \
                 filename=\"IMG.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(std::iter::repeat_n(0xA5u8, bytes));
        body.extend_from_slice(b"\r\n");
    };
    for _ in 0..small {
        part(&mut body, 1024);
    }
    part(&mut body, big);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"step\"\r\n\r\nsend\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn r19_too_many_photos_are_read_to_the_end_and_the_form_comes_back_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |_| {}).await;
    // Twelve photo parts (past the eleven counted), the last of 4 MB: the refusal comes at its
    // start, with 4 MB still on the way.
    let (content_type, body) = form_with_parts(11, 4 << 20);
    let mut request = format!(
        "POST /tip?lang=en HTTP/1.1\r\nHost: tipline.test\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let res = exchange(stream, &request)
        .await
        .expect("the answer arrives whole (no reset while the upload was still being sent)");
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains(TEXT), "the text typed comes back");
    assert!(res.text.contains("at most 3 photos"), "{}", res.text);
    server.stop().await;
}
