"""Groups `perf script` call stacks of a .NET process (DOTNET_PerfMapEnabled=1) by component.

Inclusive shares: a sample counts for every component that appears on its stack, so the rows overlap
(the request pipeline runs inside Kestrel's frames, for example)."""
import collections
import re
import sys

COMPONENTS = [
    ("Kestrel (HTTP/1.1 and HTTP/2 server; the request pipeline runs inside it)", r"\[Microsoft\.AspNetCore\.Server\.Kestrel"),
    ("Platform.ControlPlane code", r"\[Platform\.ControlPlane\]"),
    ("gRPC client control plane -> worker (Grpc.Net.Client, System.Net.Http)", r"\[Grpc\.Net\.Client\]|\[System\.Net\.Http\]"),
    ("gRPC server (Grpc.AspNetCore.Server)", r"\[Grpc\.AspNetCore\.Server"),
    ("Platform.Worker code", r"\[Platform\.Worker\]"),
    ("OpenTelemetry, DiagnosticSource, Activity", r"\[OpenTelemetry|\[System\.Diagnostics\.DiagnosticSource\]"),
    ("PostgreSQL client (Npgsql, Dapper, Polly)", r"\[Npgsql\]|\[Dapper\]|\[Polly\.Core\]"),
    ("sandbox: FunctionExecutor.Invoke", r"FunctionExecutor::Invoke"),
    ("libwasmtime (anywhere)", r"libwasmtime"),
    ("sandbox threads idle: SandboxThreads.Loop waiting in BlockingCollection", None),
    ("thread pool idle: LowLevelLifoSemaphore.Wait", r"LowLevelLifoSemaphore::Wait"),
    ("sched_yield (spin-waiting)", r"sched_yield"),
    ("socket syscalls (sendto, recvfrom, epoll_wait, ...)", r"__x64_sys_(sendto|recvfrom|epoll_wait|writev|readv|write|read)\b"),
    ("stacks with no managed frame (GC, JIT, runtime threads)", None),
]

managed = re.compile(r"\[[A-Za-z0-9_.]+\] [A-Za-z_]")
samples = 0
counts = collections.Counter()
for block in open(sys.argv[1]).read().split("\n\n"):
    lines = [l.strip() for l in block.strip().split("\n") if l.strip()]
    if len(lines) < 2:
        continue
    samples += 1
    stack = "\n".join(lines[1:])
    for name, pattern in COMPONENTS:
        if name.startswith("sandbox threads idle"):
            hit = "SandboxThreads::Loop" in stack and "FunctionExecutor::Invoke" not in stack and "libwasmtime" not in stack
        elif pattern is None:
            hit = not managed.search(stack)
        else:
            hit = re.search(pattern, stack) is not None
        if hit:
            counts[name] += 1

print(f"{samples} samples (inclusive shares, rows overlap)")
for name, _ in COMPONENTS:
    print(f"{100.0 * counts[name] / max(1, samples):5.1f} %  {name}")
