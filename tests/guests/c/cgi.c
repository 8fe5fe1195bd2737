/* cgi: a CGI function for the HTTP trigger's tests. PATH_INFO picks what it does:
 *   /flood  about 1 MB of header lines (past the platform's header-block limit)
 *   /exit   exit status 3
 *   /trap   a Wasm trap
 *   /spin   loops until stopped
 *   other   200 text/plain; the body lists argv ("arg[i]=..."), the environment ("env:K=V")
 *           and then stdin after "stdin:". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    const char *path = getenv("PATH_INFO");
    if (!path) path = "";
    if (strcmp(path, "/flood") == 0) {
        static char value[1007];
        memset(value, 'x', sizeof value - 1);
        fputs("Content-Type: text/plain\n", stdout);
        for (int i = 0; i < 980; i++)
            printf("X-Flood-%03d: %s\n", i, value);
        fputs("\nflood\n", stdout);
        return 0;
    }
    if (strcmp(path, "/exit") == 0) return 3;
    if (strcmp(path, "/trap") == 0) __builtin_trap();
    if (strcmp(path, "/spin") == 0) {
        for (volatile unsigned i = 0;; i++) {
        }
    }

    const char *method = getenv("REQUEST_METHOD");
    printf("Content-Type: text/plain\nX-Cgi-Method: %s\n\n", method ? method : "");
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
    for (char **e = environ; e && *e; e++)
        printf("env:%s\n", *e);
    fputs("stdin:", stdout);
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0)
        fwrite(buffer, 1, n, stdout);
    return 0;
}
