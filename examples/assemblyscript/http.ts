// http: an HTTP function (the HTTP trigger's CGI contract, see docs/http.md).
//
//   GET /hello?name=Ada  -> 200 application/json {"greeting":"hello Ada","method":"GET","bytes":0}
//   anything else        -> 404 text/plain "no route for <path>"
//
// "bytes" counts the request body (stdin). The name is the first name= query parameter as
// sent (not percent-decoded), "world" without one. Every answer carries X-Language: assemblyscript.
import { escapeJson, readStdin } from "./stdio";

function variable(name: string): string {
  return process.env.has(name) ? process.env.get(name) : "";
}

const bytes = readStdin().length;
const path = variable("PATH_INFO");
if (path != "/hello") {
  process.stdout.write(`Status: 404 Not Found\nContent-Type: text/plain\nX-Language: assemblyscript\n\nno route for ${path}\n`);
} else {
  let name = "world";
  const pairs = variable("QUERY_STRING").split("&");
  for (let i = 0; i < pairs.length; i++) {
    if (pairs[i].startsWith("name=")) {
      name = pairs[i].substring(5);
      break;
    }
  }
  const method = variable("REQUEST_METHOD");
  process.stdout.write(
    `Content-Type: application/json\nX-Language: assemblyscript\n\n{"greeting":"hello ${escapeJson(name)}","method":"${escapeJson(method)}","bytes":${bytes}}`,
  );
}
