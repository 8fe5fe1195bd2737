using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Platform.Testing;

namespace Platform.Cli.Tests.Live;

/// <summary><c>platformctl logs</c> against a real control plane and worker.</summary>
[Collection(LiveCollection.Name)]
public sealed class LogsCommandTests(PostgresFixture postgres)
{
    /// <summary>Writes its input to stderr, then exits with code 2 when the input is "fail".</summary>
    private const string Logger = """
        (module
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 1024))
            (i32.store (i32.const 4) (i32.const 256))
            (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.store (i32.const 4) (i32.load (i32.const 8)))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 12)))
            (if (i32.eq (i32.load (i32.const 1024)) (i32.const 0x6c696166)) (then (call $proc_exit (i32.const 2))))))
        """;

    [Fact]
    public async Task Logs_ShowsRecentInvocationsOldestFirst_WithTheirLogs()
    {
        await using var platform = await LivePlatform.StartAsync(postgres);
        await platform.DeployAsync("logger", Logger);
        var first = await platform.InvokeAsync("logger", "hello\n");
        var failed = await platform.InvokeAsync("logger", "fail");
        await platform.WaitForHistoryAsync(first.Id, failed.Id);

        var logs = await platform.CtlAsync("logs", "logger");
        Assert.True(logs.ExitCode == 0, logs.Stderr);
        var lines = logs.Stdout.Split('\n');
        Assert.Matches($"^=== {first.Id}  \\S+ \\S+Z  v1  OK  [0-9.]+ ms$", lines[0]);
        Assert.Equal("hello", lines[1]);
        Assert.Matches($"^=== {failed.Id}  \\S+ \\S+Z  v1  EXIT_NONZERO \\(2\\)  [0-9.]+ ms$", lines[2]);
        Assert.Equal("fail", lines[3]);

        var onlyFailures = await platform.CtlAsync("logs", "logger", "--outcome", "EXIT_NONZERO", "--json");
        Assert.True(onlyFailures.ExitCode == 0, onlyFailures.Stderr);
        var records = onlyFailures.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(failed.Id, Assert.Single(records).GetProperty("id").GetString());

        var unknown = await platform.CtlAsync("logs", "logger", "--outcome", "SOMETIMES");
        Assert.Equal(ExitCodes.InvalidArgument, unknown.ExitCode);
    }

    [Fact]
    public async Task LogsFollow_PrintsEachNewInvocationAsItEnds_UntilStopped()
    {
        await using var platform = await LivePlatform.StartAsync(postgres);
        await platform.DeployAsync("logger", Logger);
        var before = await platform.InvokeAsync("logger", "before\n");
        await platform.WaitForHistoryAsync(before.Id);

        using var follower = FollowProcess.Start(platform.Environment(), "logs", "logger", "--follow");
        try
        {
            // The recent one first; then one invoked while following arrives on its own.
            Assert.Matches($"^=== {before.Id} ", await follower.NextLineAsync());
            Assert.Equal("before", await follower.NextLineAsync());
            var during = await platform.InvokeAsync("logger", "during\n");
            Assert.Matches($"^=== {during.Id} ", await follower.NextLineAsync());
            Assert.Equal("during", await follower.NextLineAsync());
        }
        finally
        {
            follower.Stop();
        }
    }

    /// <summary>A platformctl run that does not end by itself: its stdout lines as they come, each wait bounded; stopped by the test.</summary>
    private sealed class FollowProcess : IDisposable
    {
        private readonly Process _process;
        private readonly System.Threading.Channels.Channel<string?> _lines = System.Threading.Channels.Channel.CreateUnbounded<string?>();
        private readonly StringBuilder _stderr = new();

        private FollowProcess(Process process) => _process = process;

        public static FollowProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "platformctl.dll"));
            foreach (var arg in args) start.ArgumentList.Add(arg);
            foreach (var (name, value) in environment) start.Environment[name] = value;
            var process = new Process { StartInfo = start };
            var follower = new FollowProcess(process);
            process.OutputDataReceived += (_, e) => follower._lines.Writer.TryWrite(e.Data);
            process.ErrorDataReceived += (_, e) =>
            {
                lock (follower._stderr) follower._stderr.AppendLine(e.Data);
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
            return follower;
        }

        public async Task<string> NextLineAsync()
        {
            var read = _lines.Reader.ReadAsync().AsTask();
            if (await Task.WhenAny(read, Task.Delay(TestTimeouts.Default)) != read)
            {
                Stop();
                lock (_stderr) Assert.Fail("platformctl printed nothing more; its stderr: " + _stderr);
            }

            var line = await read;
            lock (_stderr) Assert.True(line is not null, "platformctl ended: " + _stderr);
            return line;
        }

        public void Stop()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TestTimeouts.Default);
        }

        public void Dispose() => _process.Dispose();
    }
}
