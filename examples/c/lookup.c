/* lookup: answers from a 256 KB table that is expensive to build.
 * Reads a key (a decimal number) on stdin and prints "key=<k> value=<hex>"; without input,
 * key 0. The table (65,536 32-bit values, each the result of 64 mixing rounds) is built by the
 * exported initialiser "wizer.initialize": when the platform pre-initialises the module at
 * deploy, every invocation starts with the table already in memory. Without pre-initialisation
 * (config "preinit": false, or `platformctl run`), main builds it on each invocation.
 * A wasi-libc guest: the initialiser runs the C constructors first, as _start would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ENTRIES 65536u
#define ROUNDS 64u

static uint32_t table[ENTRIES];
static int table_ready;

static uint32_t mix(uint32_t x) {
    for (uint32_t r = 0; r < ROUNDS; r++) {
        x ^= x >> 16;
        x *= 0x7feb352du;
        x ^= x >> 15;
        x *= 0x846ca68bu;
        x ^= x >> 16;
        x += r;
    }
    return x;
}

static void build_table(void) {
    for (uint32_t i = 0; i < ENTRIES; i++)
        table[i] = mix(i);
    table_ready = 1;
}

void __wasm_call_ctors(void);

__attribute__((export_name("wizer.initialize"))) void initialize(void) {
    __wasm_call_ctors();
    build_table();
}

int main(void) {
    if (!table_ready)
        build_table();
    char line[32];
    unsigned long key = 0;
    if (fgets(line, sizeof line, stdin) != NULL)
        key = strtoul(line, NULL, 10);
    printf("key=%lu value=%08x\n", key, (unsigned)table[key % ENTRIES]);
    return 0;
}
