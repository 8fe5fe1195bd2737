using System.Runtime.InteropServices;
using System.Text.Json;
using Platform.Runtime.Preinit;

namespace Platform.Runtime.Compilation;

/// <summary>
/// The loop of the compiler process (<c>Platform.Compiler</c>): announces its engine
/// fingerprint, then compiles (or pre-initialises) one module per request until its input closes. It owns nothing
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

        using var engine = WasmEngine.ForCompilerProcess(options);
        CompileFrames.WriteReply(output, CompileFrames.Ready, engine.Fingerprint);

        while (CompileFrames.ReadRequest(input) is { } request)
        {
            if (request.Kind == CompileFrames.PreinitRequest)
                Preinitialize(engine, request.Payload, output);
            else
                Compile(engine, request.Payload, output);
        }

        return 0;
    }

    private static void Compile(WasmEngine engine, byte[] wasm, Stream output)
    {
        try
        {
            CompileFrames.WriteReply(output, CompileFrames.Artifact, InProcessCompiler.Compile(engine.Engine, wasm));
        }
        catch (InvalidModuleException ex)
        {
            CompileFrames.WriteReply(output, CompileFrames.Invalid, ex.Message);
        }
    }

    private static void Preinitialize(WasmEngine engine, byte[] payload, Stream output)
    {
        try
        {
            var (request, wasm) = CompileFrames.DecodePreinitRequest(payload);
            CompileFrames.WriteReply(output, CompileFrames.Snapshot, CompileFrames.EncodeSnapshot(Preinitializer.Run(engine, wasm, request)));
        }
        catch (PreinitFailedException ex)
        {
            CompileFrames.WriteReply(output, CompileFrames.PreinitFailed, CompileFrames.EncodeFailure(ex));
        }
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
