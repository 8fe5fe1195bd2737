using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Platform.Runtime.Compilation;

/// <summary>
/// One long-lived compiler process (<c>Platform.Compiler</c>), started below normal priority,
/// serving one compile at a time. While a compile runs its CPU time, resident memory and wall
/// time are watched; past the budget the process is killed, which is the only way to stop
/// Cranelift. Keeping it alive between compiles keeps process start-up off the upload path.
/// </summary>
internal sealed class CompilerProcess : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly Process _process;

    private CompilerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>False once the process died or was killed: it is never used again.</summary>
    public bool IsUsable => !_process.HasExited;

    public static async Task<CompilerProcess> StartAsync(string optionsJson, string fingerprint, int threads, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var compilerPath = Path.Combine(AppContext.BaseDirectory, "Platform.Compiler.dll");
        if (!File.Exists(compilerPath))
            throw new CompilerUnavailableException($"the compiler ({Path.GetFileName(compilerPath)}) is missing from the application folder");

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(compilerPath);
        start.ArgumentList.Add(optionsJson);
        // A small workstation GC: the compiler's memory is Cranelift's, not the managed heap's.
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x10000000";
        // Wasmtime's parallel compilation runs on rayon's global pool, which takes its size from here.
        start.Environment["RAYON_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var process = Process.Start(start) ?? throw new CompilerUnavailableException("the compiler process did not start");
        var compiler = new CompilerProcess(process);
        try
        {
            // Invocations come first, from the first instruction: a compile (and a compiler's start,
            // which follows every kill of a bomb) waits for spare CPU, not the other way round.
            // Started at normal priority, four bomb kills in a row stretched another tenant's p99 6x.
            process.PriorityClass = ProcessPriorityClass.BelowNormal;
            process.ErrorDataReceived += static (_, line) =>
            {
                if (line.Data is not null) Trace.TraceWarning($"compiler: {line.Data}");
            };
            process.BeginErrorReadLine();

            using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            startup.CancelAfter(timeout);
            var (kind, payload) = await CompileFrames.ReadReplyAsync(process.StandardOutput.BaseStream, startup.Token);
            var announced = System.Text.Encoding.UTF8.GetString(payload);
            if (kind != CompileFrames.Ready || announced != fingerprint)
                throw new CompilerUnavailableException($"the compiler announced engine {announced}, this process runs {fingerprint}");
            return compiler;
        }
        catch (Exception ex) when (ex is OperationCanceledException or EndOfStreamException or IOException or InvalidDataException)
        {
            compiler.Dispose();
            if (cancellationToken.IsCancellationRequested) throw;
            throw new CompilerUnavailableException($"the compiler process did not become ready within {timeout.TotalSeconds:F0} s", ex);
        }
        catch
        {
            compiler.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Compiles within <paramref name="budget"/>. Throws <see cref="InvalidModuleException"/> for
    /// a module that does not compile or overran the budget (the process is then dead), and
    /// <see cref="OperationCanceledException"/> (killing the process) when the caller gave up.
    /// </summary>
    public async Task<byte[]> CompileAsync(byte[] wasm, CompileBudget budget, CancellationToken cancellationToken)
    {
        var (kind, payload) = await RequestAsync(CompileFrames.CompileRequest, wasm, "compiling", budget, cancellationToken);
        return kind switch
        {
            CompileFrames.Artifact => payload,
            CompileFrames.Invalid => throw new InvalidModuleException(System.Text.Encoding.UTF8.GetString(payload)),
            _ => throw new InvalidModuleException($"the compiler answered an unknown reply kind {kind}"),
        };
    }

    /// <summary>
    /// Compiles the instrumented module, runs its initialiser and writes the snapshot, all within
    /// <paramref name="budget"/> (the initialiser's own limits are inside it). Throws
    /// <see cref="Preinit.PreinitFailedException"/> for an initialiser that failed or a module the
    /// snapshot cannot carry, <see cref="InvalidModuleException"/> past the budget.
    /// </summary>
    public async Task<Preinit.PreinitSnapshot> PreinitializeAsync(byte[] wasm, Preinit.PreinitRequest request, CompileBudget budget, CancellationToken cancellationToken)
    {
        var (kind, payload) = await RequestAsync(CompileFrames.PreinitRequest, CompileFrames.EncodePreinitRequest(request, wasm), "pre-initialising", budget, cancellationToken);
        return kind switch
        {
            CompileFrames.Snapshot => CompileFrames.DecodeSnapshot(payload),
            CompileFrames.PreinitFailed => throw CompileFrames.DecodeFailure(payload),
            _ => throw new InvalidModuleException($"the compiler answered an unknown reply kind {kind}"),
        };
    }

    private async Task<(byte Kind, byte[] Payload)> RequestAsync(byte requestKind, byte[] requestPayload, string doing, CompileBudget budget, CancellationToken cancellationToken)
    {
        var pid = _process.Id;
        var cpuBefore = ProcessUsage.CpuTime(pid) ?? TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await CompileFrames.WriteRequestAsync(_process.StandardInput.BaseStream, requestKind, requestPayload, cancellationToken);
        }
        catch (IOException ex)
        {
            Kill();
            throw new CompilerUnavailableException("the compiler process went away", ex);
        }

        using var stopReading = new CancellationTokenSource();
        var reply = CompileFrames.ReadReplyAsync(_process.StandardOutput.BaseStream, stopReading.Token);
        while (!reply.IsCompleted)
        {
            await Task.WhenAny(reply, Task.Delay(PollInterval, cancellationToken));
            if (reply.IsCompleted) break;
            if (cancellationToken.IsCancellationRequested)
            {
                Kill();
                await stopReading.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            var overrun = Overrun(pid, cpuBefore, started, budget);
            if (overrun is not null)
            {
                Kill();
                await stopReading.CancelAsync();
                throw new InvalidModuleException($"{doing} the module exceeded the compile budget: {overrun}");
            }
        }

        try
        {
            return await reply;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or InvalidDataException)
        {
            Kill();
            throw new InvalidModuleException($"the compiler stopped while {doing} the module (it crashed or was killed by the operating system)");
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static string? Overrun(int pid, TimeSpan cpuBefore, long started, CompileBudget budget)
    {
        var cpu = ProcessUsage.CpuTime(pid) - cpuBefore;
        if (cpu > budget.MaxCpuTime)
            return $"more than {budget.MaxCpuTime.TotalSeconds:0.#} s of CPU time";
        var resident = ProcessUsage.ResidentBytes(pid);
        if (resident > (long)budget.MaxMemoryMb << 20)
            return $"more than {budget.MaxMemoryMb} MiB of memory";
        if (Stopwatch.GetElapsedTime(started) > budget.MaxWallTime)
            return $"more than {budget.MaxWallTime.TotalSeconds:0.#} s of wall-clock time";
        return null;
    }

    private void Kill()
    {
        try
        {
            if (_process.HasExited) return;
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }
    }

    /// <summary>The <c>dotnet</c> host that runs this process, so the compiler runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet") return processPath;
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        // The shared runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/; the host in <root>.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
