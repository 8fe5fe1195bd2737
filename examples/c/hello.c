/* hello: the smallest useful Platform function (ABI v1, WASI preview 1 command).
 * Prints a greeting on stdout, naming the function if PLATFORM_FUNCTION is set. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *name = getenv("PLATFORM_FUNCTION");
    if (name && *name)
        printf("Hello from Platform! (function %s)\n", name);
    else
        printf("Hello from Platform!\n");
    return 0;
}
