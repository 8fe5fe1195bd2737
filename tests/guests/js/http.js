// http world: answers 201 with the method, path and query, and echoes the body.
export function handle(request) {
  const summary = `${request.method} ${request.path}?${request.query}`;
  const headers = [["content-type", "text/plain"], ["x-summary", summary]];
  if (request.path === "/bad-status") return { status: 42, headers, body: new Uint8Array() };
  return { status: 201, headers, body: request.body };
}
