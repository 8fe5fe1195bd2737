/* exit7: logs "bye" to stderr and exits with status 7 (EXIT_NONZERO). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    fputs("bye\n", stderr);
    exit(7);
}
