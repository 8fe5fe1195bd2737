/* readfile: copies the bundled file named on stdin (default /data/hello.txt) to stdout; with the
   argument "scratch", also writes it to /tmp/copy.txt and prints what reading that back gives.
   A path that cannot be opened prints the errno to stderr and exits 3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int copy(const char *from, FILE *to) {
    FILE *in = fopen(from, "r");
    if (!in) {
        fprintf(stderr, "%s: errno %d (%s)\n", from, errno, strerror(errno));
        return 3;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in)) > 0)
        fwrite(buffer, 1, n, to);
    fclose(in);
    return 0;
}

int main(int argc, char **argv) {
    char path[1024] = "/data/hello.txt";
    size_t n = fread(path, 1, sizeof path - 1, stdin);
    if (n > 0) path[n] = '\0';
    else strcpy(path, "/data/hello.txt");

    int status = copy(path, stdout);
    if (status != 0 || argc < 2 || strcmp(argv[1], "scratch") != 0)
        return status;

    FILE *scratch = fopen("/tmp/copy.txt", "w");
    if (!scratch) {
        fprintf(stderr, "/tmp/copy.txt: errno %d (%s)\n", errno, strerror(errno));
        return 4;
    }
    status = copy(path, scratch);
    fclose(scratch);
    if (status != 0) return status;
    printf("--- from /tmp ---\n");
    return copy("/tmp/copy.txt", stdout);
}
