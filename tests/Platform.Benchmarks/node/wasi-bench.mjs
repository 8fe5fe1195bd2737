// Peer-runtime measurement: runs a WASI preview 1 command module (function ABI v1) under
// Node's node:wasi (V8, no metering) many times and reports per-invocation latency.
//
// Usage: node --expose-gc wasi-bench.mjs <module.wasm> <iterations> [input-text] [guest-arg...]
//
// The module is compiled once (WebAssembly.compile). Each iteration creates a fresh WASI
// instance (args = [function name, guest-args...], empty environment, no preopens) and a fresh
// module instance, then runs `wasi.start`. stdin is a temp file holding input-text (empty when
// absent), stdout and stderr are temp files truncated per iteration: node:wasi only accepts
// file descriptors. The timed span is from `new WASI` to the return of `start`, i.e.
// instantiation plus the run; opening/closing the temp files and reading the output are not
// timed. gc() runs every 100 iterations (outside the timed span): Node crashes after a few
// hundred instantiations in one process otherwise.
//
// Prints exactly one JSON line on stdout:
// {"runtime":"node","version":"v20…","iterations":N,"p50Us":…,"p99Us":…,"minUs":…,"maxUs":…,"lastOutput":"…"}
// Diagnostics (non-zero exit codes, the guest's stderr on failure) go to stderr.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { WASI } from 'node:wasi';

function usage(message) {
  if (message) console.error(`wasi-bench: ${message}`);
  console.error('usage: node --expose-gc wasi-bench.mjs <module.wasm> <iterations> [input-text] [guest-arg...]');
  process.exit(2);
}

const [modulePath, iterationsText, inputText = '', ...guestArgs] = process.argv.slice(2);
if (!modulePath || !iterationsText) usage();
const iterations = Number.parseInt(iterationsText, 10);
if (!Number.isInteger(iterations) || iterations < 1) usage(`bad iteration count '${iterationsText}'`);
if (typeof globalThis.gc !== 'function') usage('run node with --expose-gc');

const functionName = path.basename(modulePath).replace(/\.wasm$/, '');
const module = await WebAssembly.compile(fs.readFileSync(modulePath));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-bench-'));
const stdinPath = path.join(dir, 'stdin');
const stdoutPath = path.join(dir, 'stdout');
const stderrPath = path.join(dir, 'stderr');
fs.writeFileSync(stdinPath, inputText);

const samplesNs = new Array(iterations);
let lastOutput = '';
let nonZeroExits = 0;
let lastExitCode = 0;

try {
  for (let i = 0; i < iterations; i++) {
    if (i > 0 && i % 100 === 0) globalThis.gc();

    // Fresh descriptors per iteration: stdin from offset 0, stdout/stderr truncated.
    const stdin = fs.openSync(stdinPath, 'r');
    const stdout = fs.openSync(stdoutPath, 'w');
    const stderr = fs.openSync(stderrPath, 'w');
    let exitCode;
    let t0;
    let t1;
    try {
      t0 = process.hrtime.bigint();
      const wasi = new WASI({
        version: 'preview1',
        args: [functionName, ...guestArgs],
        env: {},
        stdin,
        stdout,
        stderr,
        returnOnExit: true,
      });
      const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
      exitCode = wasi.start(instance);
      t1 = process.hrtime.bigint();
    } catch (err) {
      fs.closeSync(stdin);
      fs.closeSync(stdout);
      fs.closeSync(stderr);
      const guestStderr = fs.readFileSync(stderrPath, 'utf8');
      console.error(`wasi-bench: iteration ${i} failed: ${err && err.stack ? err.stack : err}`);
      if (guestStderr) console.error(`wasi-bench: guest stderr:\n${guestStderr}`);
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(1);
    }
    fs.closeSync(stdin);
    fs.closeSync(stdout);
    fs.closeSync(stderr);

    samplesNs[i] = t1 - t0;
    lastExitCode = exitCode ?? 0;
    if (lastExitCode !== 0) nonZeroExits++;
    if (i === iterations - 1) lastOutput = fs.readFileSync(stdoutPath, 'utf8');
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

if (nonZeroExits > 0) {
  console.error(`wasi-bench: ${nonZeroExits} of ${iterations} invocations exited non-zero (last exit code ${lastExitCode})`);
}

const sorted = samplesNs.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
// Nearest-rank percentile.
const percentile = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const us = (ns) => Math.round(Number(ns) / 100) / 10; // microseconds, one decimal

console.log(JSON.stringify({
  runtime: 'node',
  version: process.version,
  iterations,
  p50Us: us(percentile(50)),
  p99Us: us(percentile(99)),
  minUs: us(sorted[0]),
  maxUs: us(sorted[sorted.length - 1]),
  lastOutput,
}));
