/* env: prints argv as "arg[i]=..." then the environment as "K=V", one per line. */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
    for (char **e = environ; e && *e; e++)
        printf("%s\n", *e);
    return 0;
}
