/* flood (hostile): writes 64 KiB of 'A' to stdout forever, ignoring write errors. */
#include <stdio.h>
#include <string.h>

static char buf[64 * 1024];

int main(void) {
    memset(buf, 'A', sizeof buf);
    for (;;) {
        fwrite(buf, 1, sizeof buf, stdout);
        fflush(stdout);
        clearerr(stdout);
    }
}
