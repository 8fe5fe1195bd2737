#!/usr/bin/env bash
# Builds the guest functions into build/guests/ at the repository root:
#   examples/c/*.c, tests/guests/c/*.c      -> build/guests/<name>.wasm          (clang-14, wasi-libc)
#   examples/c/cpu.c (native)               -> build/guests/cpu-native
#   generated build/gen/big.c               -> build/guests/big.wasm (~1 MB, for cache benchmarks)
#   examples/rust/<name>.rs                 -> build/guests/rust-<name>.wasm     (rustc, wasm32-wasi)
#   examples/go/<name>/                     -> build/guests/go-<name>.wasm       (go >= 1.21, wasip1)
#   examples/assemblyscript/<name>.ts       -> build/guests/as-<name>.wasm       (asc + wasi-shim)
#   examples/javascript/<name>.js           -> build/guests/js-<name>.wasm       (componentize-js)
# The JavaScript examples are components: greet.js of the `invoke` world, http.js of the `http`
# world of wit/platform-function.wit; every other output is a WASI preview 1 command module.
# Works from any working directory. Rebuilds an output only when one of its sources (or this
# script) is newer; FORCE=1 rebuilds everything. Independent builds run in parallel.
# The npm toolchains are pinned in examples/package-lock.json: examples/npm-toolchains.sh runs
# `npm ci` in examples/ when node_modules is missing or was installed from another lock file.
#
# Install every toolchain with scripts/install-prerequisites.sh (Debian bookworm).
# Overrides: LANGUAGES (default "c rust go assemblyscript javascript": the languages to build;
#            C is always built, the tests need its guests),
#            CLANG (default clang-14), NATIVE_CC (default: $CLANG, else gcc, else cc),
#            WASI_SYSROOT (default: /usr/share/wasi-sysroot if present, else clang's default,
#            which on Debian finds wasi-libc under /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi),
#            STRIP=1 (drop the DWARF sections that Debian's libc.a carries into every C module:
#            hello.wasm goes from ~145 KB to ~30 KB; changes the flags, so use FORCE=1 too),
#            NODE (default node), NPM (default npm, for examples/npm-toolchains.sh),
#            RUSTC (default: the first of /usr/bin/rustc and `rustc` on PATH that has the
#            wasm32-wasi standard library), GO (default: `go` on PATH if it is 1.21 or newer,
#            else the newest /usr/lib/go-1.2x/bin/go).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
SCRIPT_PATH="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"
OUT="$ROOT/build/guests"
GEN="$ROOT/build/gen"
CLANG="${CLANG:-clang-14}"
FORCE="${FORCE:-0}"
PACKAGES="clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32"
LANGUAGES="${LANGUAGES:-c rust go assemblyscript javascript}"

die() {
    echo "build.sh: $*" >&2
    exit 1
}

missing_toolchain() {
    echo "build.sh: $1" >&2
    echo "build.sh: install the WASI C toolchain with:" >&2
    echo "    sudo apt-get install $PACKAGES" >&2
    exit 1
}

# missing_language LANGUAGE PROBLEM
missing_language() {
    echo "build.sh: $2" >&2
    echo "build.sh: install the $1 toolchain with scripts/install-prerequisites.sh, or leave $1 out of LANGUAGES" >&2
    exit 1
}

wants() {
    [[ " $LANGUAGES " == *" $1 "* ]]
}

command -v "$CLANG" >/dev/null 2>&1 || missing_toolchain "'$CLANG' not found on PATH"

WASM_FLAGS=(--target=wasm32-wasi -O2 -fuse-ld=lld)
if [[ -n "${WASI_SYSROOT:-}" ]]; then
    WASM_FLAGS+=(--sysroot="$WASI_SYSROOT")
elif [[ -d /usr/share/wasi-sysroot ]]; then
    WASM_FLAGS+=(--sysroot=/usr/share/wasi-sysroot)
fi

if [[ "${STRIP:-0}" == 1 ]]; then
    WASM_FLAGS+=(-Wl,--strip-debug)
fi

mkdir -p "$OUT" "$GEN"

# Probe: compile and link a trivial program using stdio. This fails if the wasi-libc headers or
# libc.a, wasm-ld (lld-14) or libclang_rt.builtins-wasm32.a (libclang-rt-14-dev-wasm32) is missing.
probe_src="$GEN/probe.c"
probe_log="$GEN/probe.log"
printf '#include <stdio.h>\nint main(void){puts("ok");return 0;}\n' >"$probe_src"
if ! "$CLANG" "${WASM_FLAGS[@]}" -o "$GEN/probe.wasm" "$probe_src" >"$probe_log" 2>&1; then
    sed 's/^/    /' "$probe_log" >&2
    missing_toolchain "cannot build for wasm32-wasi (wasi-libc sysroot, wasm-ld or the wasm32 compiler-rt missing?)"
fi

if [[ -z "${NATIVE_CC:-}" ]]; then
    for cc in "$CLANG" gcc cc; do
        if command -v "$cc" >/dev/null 2>&1; then NATIVE_CC="$cc"; break; fi
    done
fi
[[ -n "${NATIVE_CC:-}" ]] || die "no native C compiler found (clang-14, gcc or cc)"

# needs_build OUTPUT SOURCE... : true if OUTPUT is missing or older than a source or this script.
needs_build() {
    local out="$1"; shift
    [[ "$FORCE" == 1 || ! -e "$out" || "$SCRIPT_PATH" -nt "$out" ]] && return 0
    local src
    for src in "$@"; do
        [[ "$src" -nt "$out" ]] && return 0
    done
    return 1
}

built=()
pids=()
labels=()

# Compile everything in the background at once (a dozen small clang runs); failures are
# collected at the end. big.wasm, the slowest, is started first.
launch() {
    local label="$1"; shift
    "$@" &
    pids+=("$!")
    labels+=("$label")
}

# big.wasm: thousands of distinct, non-inlinable functions, all reachable from main through a
# table of function pointers (so neither the optimizer nor the linker can drop them), each
# called once at run time. Tuned to about 1 MB of code at -O2.
BIG_FUNCS="${BIG_FUNCS:-2400}"
big_src="$GEN/big.c"
if needs_build "$OUT/big.wasm"; then
    awk -v n="$BIG_FUNCS" 'BEGIN {
        srand(20240601);  # fixed seed: the generated file is the same on every build
        print "/* Generated by examples/build.sh: a large guest for module cache benchmarks. */"
        print "#include <stdint.h>"
        print "#include <stdio.h>"
        print "typedef uint32_t (*fn_t)(uint32_t);"
        for (i = 0; i < n; i++) {
            printf "__attribute__((noinline)) uint32_t f%d(uint32_t x) {\n", i
            printf "    uint32_t a = x * %uu + %uu, b = x ^ %uu, c = %uu;\n", int(rand()*4294967295)+1, i, int(rand()*4294967295), int(rand()*4294967295)
            printf "    for (uint32_t k = 0; k < (x & 7u) + %du; k++) {\n", 1 + i % 5
            for (j = 0; j < 6; j++) {
                printf "        a = (a ^ (b >> %d)) * %uu + c;\n", 1 + int(rand()*30), int(rand()*4294967295)+1
                printf "        b = (b + (a << %d)) ^ %uu;\n", 1 + int(rand()*30), int(rand()*4294967295)
                printf "        c = c * %uu + (a >> %d) - b;\n", int(rand()*4294967295)+1, 1 + int(rand()*30)
            }
            print  "    }"
            printf "    switch ((a ^ b) %% 4u) {\n"
            for (j = 0; j < 4; j++)
                printf "    case %du: return a * %uu + (b ^ %uu) + c;\n", j, int(rand()*4294967295)+1, int(rand()*4294967295)
            print  "    default: return a;"
            print  "    }"
            print  "}"
        }
        print "static const fn_t table[] = {"
        for (i = 0; i < n; i++) printf "    f%d,\n", i
        print "};"
        print "int main(void) {"
        print "    uint32_t h = 2166136261u;"
        print "    for (uint32_t i = 0; i < sizeof table / sizeof table[0]; i++)"
        print "        h = table[i](h ^ i) * 16777619u;"
        print "    printf(\"big: %u functions, checksum %08x\\n\", (unsigned)(sizeof table / sizeof table[0]), (unsigned)h);"
        print "    return 0;"
        print "}"
    }' >"$big_src"
    launch "big.wasm" "$CLANG" "${WASM_FLAGS[@]}" -o "$OUT/big.wasm" "$big_src"
    built+=("$OUT/big.wasm")
fi

for src in "$ROOT"/examples/c/*.c "$ROOT"/tests/guests/c/*.c; do
    [[ -e "$src" ]] || continue
    name="$(basename "$src" .c)"
    out="$OUT/$name.wasm"
    if needs_build "$out" "$src"; then
        launch "$name.wasm" "$CLANG" "${WASM_FLAGS[@]}" -o "$out" "$src"
        built+=("$out")
    fi
done

cpu_src="$ROOT/examples/c/cpu.c"
if [[ -e "$cpu_src" ]] && needs_build "$OUT/cpu-native" "$cpu_src"; then
    launch "cpu-native" "$NATIVE_CC" -O2 -o "$OUT/cpu-native" "$cpu_src"
    built+=("$OUT/cpu-native")
fi

# Rust: Debian's rustc with libstd-rust-dev-wasm32. A rustup rustc earlier on PATH usually
# lacks the wasm32-wasi standard library, so pick the first one that has it.
rust_has_wasi() {
    local sysroot
    sysroot="$("$1" --print sysroot 2>/dev/null)" && [[ -d "$sysroot/lib/rustlib/wasm32-wasi/lib" ]]
}
if wants rust; then
    if [[ -z "${RUSTC:-}" ]]; then
        for candidate in /usr/bin/rustc "$(command -v rustc 2>/dev/null || true)"; do
            if [[ -n "$candidate" && -x "$candidate" ]] && rust_has_wasi "$candidate"; then RUSTC="$candidate"; break; fi
        done
    fi
    [[ -n "${RUSTC:-}" ]] && rust_has_wasi "$RUSTC" || missing_language rust "no rustc with the wasm32-wasi standard library (Debian: rustc libstd-rust-dev-wasm32)"
    for src in "$ROOT"/examples/rust/*.rs; do
        name="rust-$(basename "$src" .rs)"
        if needs_build "$OUT/$name.wasm" "$src"; then
            launch "$name.wasm" "$RUSTC" --edition 2021 --target wasm32-wasi -O -C strip=debuginfo -o "$OUT/$name.wasm" "$src"
            built+=("$OUT/$name.wasm")
        fi
    done
fi

# Go: 1.21 added GOOS=wasip1; Debian bookworm has it in backports (golang-1.23-go).
go_is_wasip1() {
    local version
    version="$("$1" env GOVERSION 2>/dev/null)" || return 1
    [[ "$version" =~ ^go1\.([0-9]+) ]] && (( BASH_REMATCH[1] >= 21 ))
}
if wants go; then
    if [[ -z "${GO:-}" ]]; then
        for candidate in "$(command -v go 2>/dev/null || true)" $(ls -d /usr/lib/go-1.*/bin/go 2>/dev/null | sort -t. -k2 -n -r); do
            if [[ -n "$candidate" ]] && go_is_wasip1 "$candidate"; then GO="$candidate"; break; fi
        done
    fi
    [[ -n "${GO:-}" ]] && go_is_wasip1 "$GO" || missing_language go "no go 1.21 or newer (Debian: golang-1.23-go from bookworm-backports)"
    for dir in "$ROOT"/examples/go/*/; do
        package="$(basename "$dir")"
        name="go-$package"
        if needs_build "$OUT/$name.wasm" "$dir"*.go "$ROOT/examples/go/go.mod"; then
            # GOTOOLCHAIN=local and GOPROXY=off: the standard library only, nothing is downloaded.
            # The build cache lives under build/ unless GOCACHE says otherwise (CI may have no HOME).
            launch "$name.wasm" env -C "$ROOT/examples/go" GOOS=wasip1 GOARCH=wasm GOTOOLCHAIN=local GOPROXY=off GOFLAGS= \
                GOCACHE="${GOCACHE:-$GEN/go-cache}" \
                "$GO" build -trimpath -ldflags=-s -o "$OUT/$name.wasm" "./$package"
            built+=("$OUT/$name.wasm")
        fi
    done
fi

# AssemblyScript and JavaScript: the npm packages pinned in examples/package-lock.json.
NODE="${NODE:-node}"
if wants assemblyscript || wants javascript; then
    command -v "$NODE" >/dev/null 2>&1 || missing_language "node" "'$NODE' not found on PATH (Debian: nodejs npm)"
    bash "$SCRIPT_DIR/npm-toolchains.sh" || die "cannot install the npm toolchains in examples/"
fi

if wants assemblyscript; then
    for src in "$ROOT"/examples/assemblyscript/*.ts; do
        [[ "$(basename "$src")" == stdio.ts ]] && continue   # a library of the two examples, not a function
        name="as-$(basename "$src" .ts)"
        if needs_build "$OUT/$name.wasm" "$src" "$ROOT/examples/assemblyscript/stdio.ts" "$SCRIPT_DIR/package-lock.json"; then
            # asc finds the shim's library relative to the working directory, not to its config.
            launch "$name.wasm" env -C "$SCRIPT_DIR" "$NODE" node_modules/assemblyscript/bin/asc.js "$src" \
                --config node_modules/@assemblyscript/wasi-shim/asconfig.json -O3 --noAssert -o "$OUT/$name.wasm"
            built+=("$OUT/$name.wasm")
        fi
    done
fi

# JavaScript: each source's world is named in the table below (the WIT file has two).
if wants javascript; then
    wit="$ROOT/wit/platform-function.wit"
    for entry in greet:invoke http:http; do
        source_name="${entry%%:*}"
        world="${entry#*:}"
        src="$ROOT/examples/javascript/$source_name.js"
        name="js-$source_name"
        if needs_build "$OUT/$name.wasm" "$src" "$wit" "$ROOT/examples/javascript/build.mjs" "$SCRIPT_DIR/package-lock.json"; then
            launch "$name.wasm" "$NODE" "$ROOT/examples/javascript/build.mjs" "$src" "$world" "$OUT/$name.wasm"
            built+=("$OUT/$name.wasm")
        fi
    done
fi

failed=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "build.sh: FAILED: ${labels[$i]}" >&2
        failed=1
    fi
done
(( failed == 0 )) || exit 1

if [[ -e "$OUT/big.wasm" ]]; then
    big_size=$(stat -c %s "$OUT/big.wasm")
    if (( big_size < 800000 || big_size > 1500000 )); then
        echo "build.sh: warning: big.wasm is $big_size bytes, outside 0.8-1.5 MB; adjust BIG_FUNCS" >&2
    fi
fi

echo "guests in ${OUT#"$ROOT"/}/ (C: $CLANG ${WASM_FLAGS[*]}; native: $NATIVE_CC -O2; languages: $LANGUAGES):"
for f in "$OUT"/*.wasm "$OUT"/cpu-native; do
    [[ -e "$f" ]] || continue
    mark=" "
    for b in "${built[@]+"${built[@]}"}"; do
        [[ "$b" == "$f" ]] && mark="*"
    done
    printf '  %s %-16s %9d bytes\n' "$mark" "$(basename "$f")" "$(stat -c %s "$f")"
done
if (( ${#built[@]} > 0 )); then echo "  (* = rebuilt now)"; else echo "  (all up to date)"; fi
