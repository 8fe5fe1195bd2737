/* recurse (hostile): unbounded recursion that the optimizer cannot turn into a loop, and that
 * exhausts the engine's native (Wasm call) stack rather than wasi-libc's shadow stack in linear
 * memory.
 *
 * - Each frame keeps several values in Wasm locals that are still needed after the recursive
 *   call, and combines them with its result non-associatively, so neither tail-call nor
 *   accumulator-recursion elimination applies.
 * - No local has its address taken (no local arrays, volatile or not): such locals live on the
 *   64 KiB shadow stack in linear memory, which would overflow first, silently corrupt static
 *   data and then end in "memory access out of bounds" instead of a stack-overflow trap.
 * - The base case compares against a volatile global that never matches, so the compiler cannot
 *   prove the function never returns; a volatile store per frame is an observable side effect. */
#include <stdio.h>

static volatile unsigned long stop_at = ~0UL;
static volatile unsigned long sink;

__attribute__((noinline)) static unsigned long deep(unsigned long n, unsigned long a, unsigned long b) {
    if (n == stop_at)
        return a ^ b;
    sink = n;
    unsigned long c = a * 2654435761u + b;
    unsigned long d = b * 40503u + n;
    unsigned long r = deep(n + 1, c, d);
    return (r >> 3) * (a | 1) + (c ^ d) - b;
}

int main(void) {
    printf("%lu\n", deep(0, 1, 2));
    return 0;
}
