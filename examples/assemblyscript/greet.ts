// greet: an invoke function, JSON in and JSON out (WASI preview 1 command, function ABI v1).
//
//   {"name": "Ada"}  ->  {"greeting":"hello Ada","length":3}
//
// "name" is optional ("world" when absent); "length" is the name's length in UTF-8 bytes.
// Input that is not a JSON object, or a "name" that is not a string, is reported on stderr
// with exit code 1 (the invocation ends EXIT_NONZERO). AssemblyScript has no JSON in its
// standard library, so this parses the small subset it needs by hand.
import { escapeJson, readStdin } from "./stdio";

class Parser {
  at: i32 = 0;
  failed: bool = false;

  constructor(public text: string) {}

  peek(): i32 {
    return this.at < this.text.length ? this.text.charCodeAt(this.at) : -1;
  }

  next(): i32 {
    const code = this.peek();
    if (code < 0) this.failed = true;
    else this.at++;
    return code;
  }

  expect(code: i32): void {
    if (this.next() != code) this.failed = true;
  }

  skipSpace(): void {
    for (;;) {
      const code = this.peek();
      if (code != 0x20 && code != 0x09 && code != 0x0a && code != 0x0d) return;
      this.at++;
    }
  }

  hex4(): i32 {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const code = this.next();
      let digit = -1;
      if (code >= 0x30 && code <= 0x39) digit = code - 0x30;
      else if (code >= 0x61 && code <= 0x66) digit = code - 0x61 + 10;
      else if (code >= 0x41 && code <= 0x46) digit = code - 0x41 + 10;
      if (digit < 0) {
        this.failed = true;
        return 0;
      }
      value = value * 16 + digit;
    }
    return value;
  }

  // JSON's \uXXXX escapes are UTF-16 code units, as AssemblyScript strings are: surrogate pairs
  // need no decoding here.
  string(): string {
    this.expect(0x22);
    let out = "";
    while (!this.failed) {
      const code = this.next();
      if (code == 0x22) return out;
      if (code < 0x20) {
        this.failed = true;
        break;
      }
      if (code != 0x5c) {
        out += String.fromCharCode(code);
        continue;
      }
      const escape = this.next();
      if (escape == 0x6e) out += "\n";
      else if (escape == 0x74) out += "\t";
      else if (escape == 0x72) out += "\r";
      else if (escape == 0x62) out += "\b";
      else if (escape == 0x66) out += "\f";
      else if (escape == 0x22 || escape == 0x5c || escape == 0x2f) out += String.fromCharCode(escape);
      else if (escape == 0x75) out += String.fromCharCode(this.hex4());
      else this.failed = true;
    }
    return "";
  }

  // Skips any JSON value: objects and arrays by depth, strings with their escapes.
  skipValue(): void {
    const first = this.peek();
    if (first == 0x22) {
      this.string();
      return;
    }
    if (first == 0x7b || first == 0x5b) {
      let depth = 0;
      while (!this.failed) {
        const code = this.peek();
        if (code == 0x22) {
          this.string();
          continue;
        }
        if (code == 0x7b || code == 0x5b) depth++;
        if (code == 0x7d || code == 0x5d) depth--;
        this.next();
        if (depth == 0) return;
      }
      return;
    }
    const start = this.at;
    for (;;) {
      const code = this.peek();
      if (code < 0 || code == 0x2c || code == 0x7d || code == 0x5d || code == 0x20 || code == 0x09 || code == 0x0a || code == 0x0d) break;
      this.at++;
    }
    if (this.at == start) this.failed = true;
  }

  // {"name": "..."}: the name, "world" without one; sets failed when the input is not such an object.
  name(): string {
    let name = "world";
    this.skipSpace();
    this.expect(0x7b);
    this.skipSpace();
    if (this.peek() == 0x7d) {
      this.at++;
    } else {
      while (!this.failed) {
        const key = this.string();
        this.skipSpace();
        this.expect(0x3a);
        this.skipSpace();
        if (this.failed) break;
        if (key == "name") name = this.string();
        else this.skipValue();
        this.skipSpace();
        const separator = this.next();
        if (separator == 0x7d) break;
        if (separator != 0x2c) this.failed = true;
        this.skipSpace();
      }
    }
    this.skipSpace();
    if (this.at != this.text.length) this.failed = true;
    return name;
  }
}

const parser = new Parser(String.UTF8.decode(readStdin().buffer));
const name = parser.name();
if (parser.failed) {
  process.stderr.write('greet: expected a JSON object like {"name": "Ada"}\n');
  process.exit(1);
}
process.stdout.write(`{"greeting":"hello ${escapeJson(name)}","length":${String.UTF8.byteLength(name)}}`);
