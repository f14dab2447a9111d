//! A bare HTTP/1.1 GET over a TCP socket, as the simplest client in any language would send
//! it: for tests of the `sandbank` binary that want no HTTP library between them and it.

use std::io::{Read, Write};
use std::net::TcpStream;

/// `GET path` on the `http://` server at `url`, with `Authorization: Bearer <bearer>` when
/// given; the status and the body.
pub fn http_get(url: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    let authorization = bearer
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{authorization}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// `POST path` with `body` as `content_type` on the `http://` server at `url`; the status and
/// the body.
#[allow(dead_code)]
pub fn http_post(url: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}
