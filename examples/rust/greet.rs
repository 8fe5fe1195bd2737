//! greet: an invoke function, JSON in and JSON out (WASI preview 1 command, function ABI v1).
//!
//!   {"name": "Ada"}  ->  {"greeting":"hello Ada","length":3}
//!
//! "name" is optional ("world" when absent); "length" is the name's length in UTF-8 bytes.
//! Input that is not a JSON object, or a "name" that is not a string, is reported on stderr
//! with exit code 1 (the invocation ends EXIT_NONZERO). The platform's Rust toolchain has no
//! crates (no serde), so this parses the small subset it needs by hand.
//!
//!   rustc --target wasm32-wasi -O examples/rust/greet.rs -o build/guests/rust-greet.wasm
use std::io::{self, Read, Write};
use std::process::exit;

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then(|| ())
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            value = value * 16 + (self.next()? as char).to_digit(16)?;
        }
        Some(value)
    }

    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                byte if byte < 0x20 => return None,
                b'\\' => {
                    let plain = match self.next()? {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'b' => 8,
                        b'f' => 12,
                        escaped @ (b'"' | b'\\' | b'/') => escaped,
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                self.expect(b'\\')?;
                                self.expect(b'u')?;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            let ch = char::from_u32(code)?;
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                            continue;
                        }
                        _ => return None,
                    };
                    out.push(plain);
                }
                byte => out.push(byte),
            }
        }
    }

    /// Skips any JSON value: objects and arrays by depth, strings with their escapes.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                    self.at += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
            }
            _ => {
                let start = self.at;
                while !matches!(self.peek(), None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')) {
                    self.at += 1;
                }
                (self.at > start).then(|| ())
            }
        }
    }

    /// {"name": "..."} -> the name ("world" without one); None when the input is not such an object.
    fn name(&mut self) -> Option<String> {
        let mut name = None;
        self.skip_space();
        self.expect(b'{')?;
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                let key = self.string()?;
                self.skip_space();
                self.expect(b':')?;
                self.skip_space();
                if key == "name" {
                    name = Some(self.string()?);
                } else {
                    self.skip_value()?;
                }
                self.skip_space();
                match self.next()? {
                    b',' => self.skip_space(),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.skip_space();
        if self.at != self.bytes.len() {
            return None;
        }
        Some(name.unwrap_or_else(|| "world".to_string()))
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let mut input = Vec::new();
    if io::stdin().read_to_end(&mut input).is_err() {
        eprintln!("greet: cannot read the input");
        exit(1);
    }
    let name = match (Parser { bytes: &input, at: 0 }).name() {
        Some(name) => name,
        None => {
            eprintln!("greet: expected a JSON object like {{\"name\": \"Ada\"}}");
            exit(1);
        }
    };
    let answer = format!("{{\"greeting\":{},\"length\":{}}}", json_string(&format!("hello {}", name)), name.len());
    if io::stdout().write_all(answer.as_bytes()).is_err() {
        exit(1);
    }
}
