// http: an HTTP function as a component of the `http` world (wit/platform-function.wit).
//
//   GET /hello?name=Ada  -> 200 application/json {"greeting":"hello Ada","method":"GET","bytes":0}
//   anything else        -> 404 text/plain "no route for <path>"
//
// "bytes" counts the request body. The name is the first name= query parameter as sent (not
// percent-decoded), "world" without one. Every answer carries X-Language: javascript.
const encoder = new TextEncoder();

export function handle(request) {
  if (request.path !== '/hello') {
    return {
      status: 404,
      headers: [['content-type', 'text/plain'], ['x-language', 'javascript']],
      body: encoder.encode(`no route for ${request.path}\n`),
    };
  }
  const pair = request.query.split('&').find((p) => p.startsWith('name='));
  const name = pair === undefined ? 'world' : pair.slice('name='.length);
  const answer = { greeting: `hello ${name}`, method: request.method, bytes: request.body.length };
  return {
    status: 200,
    headers: [['content-type', 'application/json'], ['x-language', 'javascript']],
    body: encoder.encode(JSON.stringify(answer)),
  };
}
