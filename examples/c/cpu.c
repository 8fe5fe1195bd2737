/* cpu: deterministic CPU-bound work for benchmarks.
 * ROUNDS times (argv[1], default 20): sieve of Eratosthenes up to 1,000,000, then an
 * FNV-1a 64-bit hash over the sieve bytes, chained across rounds.
 * Prints "primes=<count> hash=<hex>". Builds natively and for wasm32-wasi with identical output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 1000000u

static unsigned char sieve[LIMIT + 1];

static uint32_t run_sieve(void) {
    memset(sieve, 1, sizeof sieve);
    sieve[0] = sieve[1] = 0;
    for (uint32_t i = 2; (uint64_t)i * i <= LIMIT; i++)
        if (sieve[i])
            for (uint32_t j = i * i; j <= LIMIT; j += i)
                sieve[j] = 0;
    uint32_t count = 0;
    for (uint32_t i = 0; i <= LIMIT; i++)
        count += sieve[i];
    return count;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int main(int argc, char **argv) {
    long rounds = 20;
    if (argc > 1) {
        rounds = strtol(argv[1], NULL, 10);
        if (rounds < 1)
            rounds = 1;
    }
    uint64_t hash = 0xcbf29ce484222325ULL;
    uint32_t primes = 0;
    for (long r = 0; r < rounds; r++) {
        primes = run_sieve();
        hash = fnv1a(hash, sieve, sizeof sieve);
    }
    printf("primes=%u hash=%016llx\n", (unsigned)primes, (unsigned long long)hash);
    return 0;
}
