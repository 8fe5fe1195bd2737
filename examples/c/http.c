/* http: an HTTP function (the HTTP trigger's CGI contract, see docs/http.md).
 *
 *   GET /hello?name=Ada   -> 200 application/json {"greeting":"hello Ada","method":"GET","bytes":0}
 *   anything else         -> 404 text/plain "no route for <path>"
 *
 * "bytes" counts the request body (stdin). The name is the first name= query parameter as
 * sent (not percent-decoded), "world" without one. Every answer carries X-Language: c.
 *
 *   platformctl deploy hello-http build/guests/http.wasm --http-public
 *   curl -s "$PLATFORM_URL/fn/demo/hello-http/hello?name=Ada"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env(const char *name) {
    const char *value = getenv(name);
    return value ? value : "";
}

/* Writes s as the inside of a JSON string. */
static void write_escaped(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') { putchar('\\'); putchar(ch); }
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
}

/* The first name=... of the query string: sets *value and *length; "world" without one. */
static void query_name(const char *query, const char **value, size_t *length) {
    for (const char *p = query; *p;) {
        size_t pair = strcspn(p, "&");
        if (pair >= 5 && strncmp(p, "name=", 5) == 0) {
            *value = p + 5;
            *length = pair - 5;
            return;
        }
        p += pair;
        if (*p == '&') p++;
    }
    *value = "world";
    *length = 5;
}

int main(void) {
    static char buf[16 * 1024];
    size_t body_bytes = 0, n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) body_bytes += n;

    const char *path = env("PATH_INFO");
    if (strcmp(path, "/hello") != 0) {
        printf("Status: 404 Not Found\nContent-Type: text/plain\nX-Language: c\n\nno route for %s\n", path);
        return 0;
    }

    const char *name;
    size_t name_length;
    query_name(env("QUERY_STRING"), &name, &name_length);
    const char *method = env("REQUEST_METHOD");
    printf("Content-Type: application/json\nX-Language: c\n\n{\"greeting\":\"hello ");
    write_escaped(name, name_length);
    printf("\",\"method\":\"");
    write_escaped(method, strlen(method));
    printf("\",\"bytes\":%zu}", body_bytes);
    return fflush(stdout) == 0 ? 0 : 1;
}
