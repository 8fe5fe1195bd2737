/* greet: an invoke function, JSON in and JSON out (WASI preview 1 command, function ABI v1).
 *
 *   {"name": "Ada"}  ->  {"greeting":"hello Ada","length":3}
 *
 * "name" is optional ("world" when absent); "length" is the name's length in UTF-8 bytes.
 * Input that is not a JSON object, or a "name" that is not a string, is reported on stderr
 * with exit code 1, so the invocation ends EXIT_NONZERO. C has no JSON library in wasi-libc,
 * so this parses the small subset it needs by hand and skips every other member.
 *
 *   platformctl deploy greet build/guests/greet.wasm
 *   platformctl invoke greet --data '{"name":"Ada"}'
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (64 * 1024)

static char input[MAX_INPUT + 1];
static char name[MAX_INPUT + 1];

struct cursor { const char *p, *end; };

static void skip_space(struct cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hex(char h) {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
}

static int read_hex4(struct cursor *c, unsigned *value) {
    if (c->end - c->p < 4) return -1;
    *value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex(*c->p++);
        if (digit < 0) return -1;
        *value = *value * 16 + (unsigned)digit;
    }
    return 0;
}

static size_t put_utf8(char *out, unsigned cp) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12); out[1] = (char)(0x80 | (cp >> 6 & 0x3F)); out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18); out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a JSON string at the cursor; decodes it into out (when not NULL). Returns its length or -1. */
static long read_string(struct cursor *c, char *out) {
    if (c->p >= c->end || *c->p != '"') return -1;
    c->p++;
    size_t n = 0;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') return (long)n;
        if (ch < 0x20) return -1;
        if (ch != '\\') { if (out) out[n] = (char)ch; n++; continue; }
        if (c->p >= c->end) return -1;
        char esc = *c->p++;
        char plain = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc == 'r' ? '\r' : esc == 'b' ? '\b'
                   : esc == 'f' ? '\f' : (esc == '"' || esc == '\\' || esc == '/') ? esc : 0;
        if (plain) { if (out) out[n] = plain; n++; continue; }
        if (esc != 'u') return -1;
        unsigned cp;
        if (read_hex4(c, &cp) != 0) return -1;
        if (cp >= 0xD800 && cp < 0xDC00) {
            unsigned low;
            if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u') return -1;
            c->p += 2;
            if (read_hex4(c, &low) != 0 || low < 0xDC00 || low > 0xDFFF) return -1;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return -1;
        }
        char buf[4];
        size_t len = put_utf8(buf, cp);
        if (out) memcpy(out + n, buf, len);
        n += len;
    }
    return -1;
}

/* Skips any JSON value (objects and arrays by depth, strings with their escapes). */
static int skip_value(struct cursor *c) {
    if (c->p >= c->end) return -1;
    if (*c->p == '"') return read_string(c, NULL) < 0 ? -1 : 0;
    if (*c->p == '{' || *c->p == '[') {
        int depth = 0;
        while (c->p < c->end) {
            if (*c->p == '"') { if (read_string(c, NULL) < 0) return -1; continue; }
            if (*c->p == '{' || *c->p == '[') depth++;
            if (*c->p == '}' || *c->p == ']') depth--;
            c->p++;
            if (depth == 0) return 0;
        }
        return -1;
    }
    const char *start = c->p;
    while (c->p < c->end && !strchr(",}] \t\r\n", *c->p)) c->p++;
    return c->p == start ? -1 : 0;
}

/* Parses {"name": "..."}; returns the name's length, 0 with the default name, -1 on bad input. */
static long parse_name(const char *text, size_t length) {
    struct cursor c = { text, text + length };
    long found = -2;
    skip_space(&c);
    if (c.p >= c.end || *c.p++ != '{') return -1;
    skip_space(&c);
    if (c.p < c.end && *c.p == '}') { c.p++; goto end; }
    for (;;) {
        static char key[MAX_INPUT + 1];
        long key_length = read_string(&c, key);
        if (key_length < 0) return -1;
        skip_space(&c);
        if (c.p >= c.end || *c.p++ != ':') return -1;
        skip_space(&c);
        if (key_length == 4 && memcmp(key, "name", 4) == 0) {
            found = read_string(&c, name);
            if (found < 0) return -1;
        } else if (skip_value(&c) != 0) {
            return -1;
        }
        skip_space(&c);
        if (c.p < c.end && *c.p == ',') { c.p++; skip_space(&c); continue; }
        if (c.p < c.end && *c.p == '}') { c.p++; break; }
        return -1;
    }
end:
    skip_space(&c);
    if (c.p != c.end) return -1;
    if (found == -2) { strcpy(name, "world"); return 5; }
    return found;
}

static void write_json_string(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') { putchar('\\'); putchar(ch); }
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

int main(void) {
    size_t length = fread(input, 1, MAX_INPUT, stdin);
    if (!feof(stdin)) {
        fprintf(stderr, "greet: the input is larger than %d bytes\n", MAX_INPUT);
        return 1;
    }
    long name_length = parse_name(input, length);
    if (name_length < 0) {
        fprintf(stderr, "greet: expected a JSON object like {\"name\": \"Ada\"}\n");
        return 1;
    }
    static char greeting[MAX_INPUT + 8];
    memcpy(greeting, "hello ", 6);
    memcpy(greeting + 6, name, (size_t)name_length);
    printf("{\"greeting\":");
    write_json_string(greeting, (size_t)name_length + 6);
    printf(",\"length\":%ld}", name_length);
    return fflush(stdout) == 0 ? 0 : 1;
}
