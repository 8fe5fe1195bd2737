using System.Runtime.InteropServices;
using Platform.Runtime;

namespace Platform.Benchmarks;

internal static class Machine
{
    public static string Describe() => "# Benchmark results\n\n" + Note();

    /// <summary>When and where: one paragraph (a section written on its own carries it too).</summary>
    public static string Note()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30);
        return $"""
            Written by `tests/Platform.Benchmarks` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory} GiB,
            {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; Wasmtime {WasmEngine.WasmtimeVersion}.
            The machine is shared and noisy: compare rows of one run, not numbers across runs.

            """;
    }
}
