using System.Net;
using System.Net.Sockets;
using Npgsql;
using Platform.Server.Postgres;

namespace Platform.EndToEnd.Tests;

/// <summary>The one PostgreSQL bootstrapper of <c>dev</c> and the tests: its port race and its child processes.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalPostgresTests
{
    [Fact]
    public async Task Start_PicksAnotherPort_WhenThePickedOneIsTakenBeforePostgresBindsIt()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var picks = new List<int>();
        int Pick()
        {
            using var free = new TcpListener(IPAddress.Loopback, 0);
            free.Start();
            picks.Add(picks.Count == 0 ? taken : ((IPEndPoint)free.LocalEndpoint).Port);
            return picks[^1];
        }

        var folder = Path.Combine(Path.GetTempPath(), $"platform-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        await using var postgres = await LocalPostgres.StartAsync(folder, throwaway: true, Pick, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(2, picks.Count);
        Assert.Equal(picks[1], postgres.Port);
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await query.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Start_GivesUpWithTheLog_WhenEveryPickedPortIsTaken()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var folder = Path.Combine(Path.GetTempPath(), $"platform-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalPostgres.StartAsync(folder, throwaway: true, () => taken, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.Contains("could not bind", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Command_PastItsTimeout_IsKilled()
    {
        var run = CommandRunner.RunAsync("sleep", ["600"], TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAsync<TimeoutException>(() => run.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task Command_Cancelled_IsKilledWithItsChildren()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"platform-child-{Guid.NewGuid():N}.pid");
        using var cancel = new CancellationTokenSource();
        var run = CommandRunner.RunAsync("sh", ["-c", $"sleep 600 & echo $! > {pidFile}; wait"], TimeSpan.FromMinutes(10), cancel.Token);
        await Eventually.WaitForAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), TestTimeouts.Default, "the child's pid file");
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(pidFile);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TestTimeouts.Default));
        await Eventually.WaitForAsync(() => !IsRunning(grandchild), TestTimeouts.Default, $"process {grandchild} to end");
    }

    /// <summary>Alive and not a zombie (a killed orphan waits as one until init reaps it).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
