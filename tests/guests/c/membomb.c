/* membomb (hostile): allocates 1 MiB blocks forever, touching every page of each;
 * aborts when malloc returns NULL. Blocks are chained into a list reachable from a volatile
 * global so the compiler cannot elide the allocations. */
#include <stdlib.h>

#define BLOCK (1024 * 1024)
#define PAGE 4096

static void *volatile head;

int main(void) {
    for (;;) {
        char *p = malloc(BLOCK);
        if (!p)
            abort();
        for (size_t off = 0; off < BLOCK; off += PAGE)
            ((volatile char *)p)[off] = (char)off;
        *(void **)p = head; /* keep every block reachable */
        head = p;
    }
}
