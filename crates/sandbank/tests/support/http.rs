//! A bare HTTP/1.1 GET or POST over a TCP socket, as the simplest client in any language would
//! send it: for tests of the `sandbank` binary that want no HTTP library between them and it.

use std::io::{Read, Write};
use std::net::TcpStream;

/// `GET path` on the `http://` server at `url`, with `Authorization: Bearer <bearer>` when
/// given; the status and the body.
pub fn http_get(url: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let authorization = bearer
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    exchange(url, &format!("GET {path}"), &authorization, "")
}

/// `POST path` with `body` as `content_type` on the `http://` server at `url`; the status and
/// the body.
#[allow(dead_code)]
pub fn http_post(url: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let headers = format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    exchange(url, &format!("POST {path}"), &headers, body)
}

/// Sends `request_line` (method and path) with `headers` (each ending in CRLF) and `body` on
/// one connection; the status and the body of the answer.
fn exchange(url: &str, request_line: &str, headers: &str, body: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{request_line} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}
