// Helpers shared by the AssemblyScript examples: the whole of stdin, and JSON string escaping.

/** Reads stdin to its end (the request body). */
export function readStdin(): Uint8Array {
  let data = new Uint8Array(0);
  const chunk = new ArrayBuffer(16 * 1024);
  let n = process.stdin.read(chunk);
  while (n > 0) {
    const grown = new Uint8Array(data.length + n);
    grown.set(data);
    grown.set(Uint8Array.wrap(chunk, 0, n), data.length);
    data = grown;
    n = process.stdin.read(chunk);
  }
  return data;
}

/** text as the inside of a JSON string. */
export function escapeJson(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code == 0x22) out += "\\\"";
    else if (code == 0x5c) out += "\\\\";
    else if (code < 0x20) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += String.fromCharCode(code);
  }
  return out;
}
