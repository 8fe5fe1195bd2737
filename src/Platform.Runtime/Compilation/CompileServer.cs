using System.Runtime.InteropServices;
using System.Text.Json;
using Wasmtime;

namespace Platform.Runtime.Compilation;

/// <summary>
/// The loop of the compiler process (<c>Platform.Compiler</c>): announces its engine
/// fingerprint, then compiles one module per request until its input closes. It owns nothing
/// worth protecting: when a compile overruns its budget the parent kills it and starts another.
/// </summary>
public static partial class CompileServer
{
    public static int Run(string[] args, Stream input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: Platform.Compiler <runtime options as JSON>");
            return 2;
        }

        var options = JsonSerializer.Deserialize<RuntimeOptions>(args[0]) ?? throw new ArgumentException("no runtime options");
        options.Validate();
        ExitWhenOrphaned();

        // One core per compile: the budget is CPU time, and a compile must not take both cores of a small worker.
        var config = WasmEngine.CreateConfig(options).WithParallelCompilation(false);
        using var engine = new Engine(config);
        CompileFrames.WriteReply(output, CompileFrames.Ready, WasmEngine.ComputeFingerprint(options));

        while (CompileFrames.ReadRequest(input) is { } wasm)
        {
            try
            {
                CompileFrames.WriteReply(output, CompileFrames.Artifact, InProcessCompiler.Compile(engine, wasm));
            }
            catch (InvalidModuleException ex)
            {
                CompileFrames.WriteReply(output, CompileFrames.Invalid, ex.Message);
            }
        }

        return 0;
    }

    /// <summary>
    /// A compiler whose parent was killed would otherwise finish a compile bomb alone, for
    /// minutes and gigabytes: it leaves as soon as it is re-parented.
    /// </summary>
    private static void ExitWhenOrphaned()
    {
        if (!OperatingSystem.IsLinux()) return;
        var parent = GetParentProcessId();
        var watchdog = new Thread(() =>
        {
            while (GetParentProcessId() == parent) Thread.Sleep(250);
            Environment.Exit(3);
        })
        { IsBackground = true, Name = "compiler-orphan-watchdog" };
        watchdog.Start();
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
