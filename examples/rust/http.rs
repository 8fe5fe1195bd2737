//! http: an HTTP function (the HTTP trigger's CGI contract, see docs/http.md).
//!
//!   GET /hello?name=Ada  -> 200 application/json {"greeting":"hello Ada","method":"GET","bytes":0}
//!   anything else        -> 404 text/plain "no route for <path>"
//!
//! "bytes" counts the request body (stdin). The name is the first name= query parameter as
//! sent (not percent-decoded), "world" without one. Every answer carries X-Language: rust.
//!
//!   rustc --target wasm32-wasi -O examples/rust/http.rs -o build/guests/rust-http.wasm
use std::env;
use std::io::{self, Read, Write};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn main() {
    let mut body = Vec::new();
    let bytes = io::stdin().read_to_end(&mut body).unwrap_or(0);
    let var = |name: &str| env::var(name).unwrap_or_default();
    let path = var("PATH_INFO");

    let response = if path == "/hello" {
        let query = var("QUERY_STRING");
        let name = query.split('&').find_map(|pair| pair.strip_prefix("name=")).unwrap_or("world");
        format!(
            "Content-Type: application/json\nX-Language: rust\n\n{{\"greeting\":\"hello {}\",\"method\":\"{}\",\"bytes\":{}}}",
            escape(name),
            escape(&var("REQUEST_METHOD")),
            bytes
        )
    } else {
        format!("Status: 404 Not Found\nContent-Type: text/plain\nX-Language: rust\n\nno route for {}\n", path)
    };
    let mut out = io::stdout();
    if out.write_all(response.as_bytes()).and_then(|_| out.flush()).is_err() {
        std::process::exit(1);
    }
}
