// greet: an invoke function as a component of the `invoke` world (wit/platform-function.wit).
//
//   {"name": "Ada"}  ->  {"greeting":"hello Ada","length":3}
//
// "name" is optional ("world" when absent); "length" is the name's length in UTF-8 bytes.
// The world's `result<list<u8>, string>` maps to JavaScript as: return the bytes for `ok`,
// throw a string for `err` (the invocation fails with that message; a thrown Error traps).
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function invoke(input) {
  let request;
  try {
    request = JSON.parse(decoder.decode(input));
  } catch {
    throw 'expected a JSON object like {"name": "Ada"}';
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw 'expected a JSON object like {"name": "Ada"}';
  }
  const name = request.name ?? 'world';
  if (typeof name !== 'string') throw '"name" must be a string';
  return encoder.encode(JSON.stringify({ greeting: `hello ${name}`, length: encoder.encode(name).length }));
}
