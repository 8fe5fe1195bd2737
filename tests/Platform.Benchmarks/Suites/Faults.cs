using Platform.Testing.Faults;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// The fault scenarios of tests/Platform.Faults.Tests (the same code, Platform.Testing/Faults),
/// run once each and written as tables: per phase of each fault, how many invocations were sent,
/// how many succeeded, every other answer by code, and latency.
/// </summary>
internal static class Faults
{
    /// <summary>Every heading of this suite starts with it (the results file is cut there by <c>--faults</c>).</summary>
    public const string HeadingPrefix = "Faults";

    public static async Task RunAsync(Report report)
    {
        report.Heading($"{HeadingPrefix}: the platform as separate processes under faults");
        report.Paragraph(
            "PostgreSQL (a throwaway cluster, fsync off), the control plane and three workers, each its own process on loopback, started by "
            + "`ProcessCluster`; load from `SteadyLoad`: open loop (a request every 1/rate s whatever the answers), the echo function (2 s timeout, "
            + "so the control plane's deadline is 7 s), each request with its own input and its output checked. Answers: `OK`, the problem "
            + "code, or the transport failure when no HTTP answer came (`ConnectionError`: refused; `ResponseEnded`: cut). Latency is the "
            + "client's, from send to the whole answer. The same scenarios run as tests (tests/Platform.Faults.Tests), which assert the guarantees.");
        await Run(report, async () => (await WorkerKillScenario.RunAsync()).Report);
        await Run(report, async () => (await ControlPlaneRestartScenario.RunAsync()).Report);
        await Run(report, async () => (await PostgresOutageScenario.RunAsync()).Report);
        await Run(report, async () => (await TenantBurstScenario.RunAsync()).Report);
        await Run(report, async () => (await WorkerSaturationScenario.RunAsync()).Report);
        await Run(report, async () => (await SoakScenario.RunAsync()).Report);
    }

    private static async Task Run(Report report, Func<Task<FaultReport>> scenario)
    {
        var result = await scenario();
        report.Heading($"{HeadingPrefix}: {result.Title}");
        report.Table(LoadStats.Header, result.Phases.Select(p => p.Stats.Row(p.Phase)));
        report.Paragraph(string.Join("\n", result.Facts.Select(fact => "- " + fact)));
    }
}
