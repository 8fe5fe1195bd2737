/* api: a small JSON API served over HTTP (the platform's HTTP trigger, CGI as WAGI defines it).
 *
 *   GET  /api/health                 -> 200 {"status":"ok"}
 *   POST /api/compute  {"n": 10}     -> 200 {"n":10,"fibonacci":55}     (0 <= n <= 93)
 *   anything else                    -> 404 (405 for a known path with the wrong method)
 *
 * The request comes in CGI variables (REQUEST_METHOD, PATH_INFO, ...) and the body on stdin;
 * the response is header lines, a blank line and the body on stdout.
 *
 *   platformctl deploy api build/guests/api.wasm --http-public
 *   curl -s -X POST --data '{"n": 50}' $PLATFORM_URL/fn/demo/api/api/compute
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY 4096

static void respond(const char *status, const char *extra_headers, const char *json) {
    printf("Status: %s\nContent-Type: application/json\n%s\n%s\n", status, extra_headers, json);
}

static int is_method(const char *method, const char *expected) {
    return method != NULL && strcmp(method, expected) == 0;
}

/* Finds "n": <integer> in a JSON object; returns 0 and sets *n on success. */
static int parse_n(const char *body, long *n) {
    const char *key = strstr(body, "\"n\"");
    if (key == NULL) return -1;
    const char *p = key + 3;
    while (isspace((unsigned char)*p)) p++;
    if (*p != ':') return -1;
    p++;
    while (isspace((unsigned char)*p)) p++;
    if (!isdigit((unsigned char)*p)) return -1;
    char *end;
    *n = strtol(p, &end, 10);
    return end == p ? -1 : 0;
}

static void compute(void) {
    static char body[MAX_BODY + 1];
    size_t length = fread(body, 1, MAX_BODY, stdin);
    body[length] = '\0';
    long n;
    if (parse_n(body, &n) != 0 || n > 93) {
        respond("400 Bad Request", "", "{\"error\":\"send a JSON object {\\\"n\\\": N} with 0 <= N <= 93\"}");
        return;
    }

    uint64_t a = 0, b = 1;
    for (long i = 0; i < n; i++) {
        uint64_t next = a + b;
        a = b;
        b = next;
    }
    char json[96];
    snprintf(json, sizeof json, "{\"n\":%ld,\"fibonacci\":%llu}", n, (unsigned long long)a);
    respond("200 OK", "", json);
}

int main(void) {
    const char *method = getenv("REQUEST_METHOD");
    const char *path = getenv("PATH_INFO");
    if (path == NULL) path = "/";

    if (strcmp(path, "/api/health") == 0) {
        if (is_method(method, "GET") || is_method(method, "HEAD"))
            respond("200 OK", "", "{\"status\":\"ok\"}");
        else
            respond("405 Method Not Allowed", "Allow: GET, HEAD\n", "{\"error\":\"method not allowed\"}");
    } else if (strcmp(path, "/api/compute") == 0) {
        if (is_method(method, "POST"))
            compute();
        else
            respond("405 Method Not Allowed", "Allow: POST\n", "{\"error\":\"method not allowed\"}");
    } else {
        respond("404 Not Found", "", "{\"error\":\"not found\"}");
    }
    return 0;
}
