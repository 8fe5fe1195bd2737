/* echo: copies the request body (stdin) to the response body (stdout) until EOF. */
#include <stdio.h>

static char buf[64 * 1024];

int main(void) {
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        if (fwrite(buf, 1, n, stdout) != n)
            return 1;
    }
    if (ferror(stdin))
        return 2;
    return fflush(stdout) == 0 ? 0 : 1;
}
