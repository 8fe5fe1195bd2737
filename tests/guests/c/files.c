/* files: exercises the WASI filesystem for the runtime's tests. argv[1] is a command:
 *   cat PATH            print the file's bytes
 *   ls PATH             print "count=N first=NAME last=NAME" of the entries besides . and ..
 *   write PATH N        create/truncate PATH and write N bytes; print "wrote=N" or "errno=E"
 *   open FD PATH OFLAGS raw path_open relative to FD (read rights, write too with O_CREAT); print "errno=E"
 *   pwrite PATH OFFSET  create PATH and write one byte at OFFSET; print "wrote=1" or "errno=E"
 *   openmany PATH       open PATH until it fails; print "opened=N errno=E"
 *   symlink TARGET PATH raw path_symlink relative to fd 3, then path_open of PATH following
 *                       links; print "errno=E open=E"
 *   lsloop PATH         list PATH forever (for fuel and deadline tests)
 * Failures print "errno=E" with WASI's errno numbers (wasi-libc uses the same values). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static int fail(void) {
    printf("errno=%d\n", errno);
    return 0;
}

static int cat(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return fail();
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, f)) > 0) fwrite(buffer, 1, n, stdout);
    fclose(f);
    return 0;
}

static int ls(const char *path, int print) {
    DIR *d = opendir(path);
    if (!d) return fail();
    long count = 0;
    char first[256] = "", last[256] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (count == 0) strncpy(first, e->d_name, sizeof first - 1);
        strncpy(last, e->d_name, sizeof last - 1);
        count++;
    }
    closedir(d);
    if (print) printf("count=%ld first=%s last=%s\n", count, first, last);
    return 0;
}

static int write_file(const char *path, long size) {
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) return fail();
    char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    long written = 0;
    while (written < size) {
        long want = size - written < (long)sizeof chunk ? size - written : (long)sizeof chunk;
        ssize_t n = write(fd, chunk, (size_t)want);
        if (n < 0) {
            close(fd);
            return fail();
        }
        written += n;
    }
    close(fd);
    printf("wrote=%ld\n", written);
    return 0;
}

static int raw_open(int dirfd, const char *path, int oflags) {
    __wasi_fd_t fd;
    __wasi_rights_t rights = __WASI_RIGHTS_FD_READ | (oflags & __WASI_OFLAGS_CREAT ? __WASI_RIGHTS_FD_WRITE : 0);
    __wasi_errno_t err = __wasi_path_open((__wasi_fd_t)dirfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path,
                                          (__wasi_oflags_t)oflags, oflags & __WASI_OFLAGS_DIRECTORY ? 0 : rights, 0, 0, &fd);
    printf("errno=%d\n", err);
    return 0;
}

static int pwrite_at(const char *path, long long offset) {
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return fail();
    ssize_t n = pwrite(fd, "x", 1, (off_t)offset);
    if (n < 0) return fail();
    printf("wrote=%ld\n", (long)n);
    return 0;
}

static int open_many(const char *path) {
    long opened = 0;
    while (opened < 100000) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) break;
        opened++;
    }
    printf("opened=%ld errno=%d\n", opened, errno);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: files COMMAND ARGS...\n");
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "cat") == 0) return cat(argv[2]);
    if (strcmp(command, "ls") == 0) return ls(argv[2], 1);
    if (strcmp(command, "write") == 0 && argc > 3) return write_file(argv[2], atol(argv[3]));
    if (strcmp(command, "open") == 0 && argc > 4) return raw_open(atoi(argv[2]), argv[3], atoi(argv[4]));
    if (strcmp(command, "pwrite") == 0 && argc > 3) return pwrite_at(argv[2], atoll(argv[3]));
    if (strcmp(command, "openmany") == 0) return open_many(argv[2]);
    if (strcmp(command, "symlink") == 0 && argc > 3) {
        __wasi_fd_t fd;
        int linked = __wasi_path_symlink(argv[2], 3, argv[3]);
        int opened = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, argv[3], 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
        printf("errno=%d open=%d\n", linked, opened);
        return 0;
    }
    if (strcmp(command, "lsloop") == 0) {
        for (;;) ls(argv[2], 0);
    }
    fprintf(stderr, "files: unknown command %s\n", command);
    return 2;
}
