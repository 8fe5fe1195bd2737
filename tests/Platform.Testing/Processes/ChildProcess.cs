using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.Testing.Processes;

/// <summary>
/// A server started by a test or the benchmark: its output is drained (and kept, for the lines
/// callers parse), it is stopped with SIGTERM and, failing that, killed with its process tree.
/// Every child still running when the test process exits (also on a crash or Ctrl-C) is killed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>The exit code; throws while the process runs.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the process wrote (stdout and stderr), in order of arrival.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Every line so far, joined with newlines.</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>Starts <paramref name="file"/>; an <paramref name="environment"/> value of null removes that variable from the inherited environment.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"could not start {name} ({file})");
        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a line matching <paramref name="match"/> (also one already written); fails when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _lines.FirstOrDefault(match);
            if (existing is not null) return existing;
            _waiters.Add((match, found));
        }

        using var cts = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(cts.Token);
        var first = await Task.WhenAny(found.Task, exited, Task.Delay(Timeout.Infinite, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (first == found.Task) return await found.Task;
        throw new InvalidOperationException(_process.HasExited
            ? $"{Name} exited ({_process.ExitCode}) before it was ready:\n{Tail()}"
            : $"{Name} was not ready within {timeout}:\n{Tail()}");
    }

    /// <summary>The last lines of output, for error messages.</summary>
    public string Tail(int count = 40) => string.Join('\n', _lines.TakeLast(count));

    /// <summary>SIGTERM, then waits for the exit; kills the tree when <paramref name="grace"/> passes. Returns how long the exit took.</summary>
    public async Task<TimeSpan> StopAsync(TimeSpan grace)
    {
        var started = Stopwatch.GetTimestamp();
        if (!_disposed && !_process.HasExited)
        {
            // Not sent (no kill(1)) or ignored: the grace ends in the hard kill.
            await SignalAsync("-TERM");
            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        Running.TryRemove(_process.Id, out _);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>SIGINT, what Ctrl-C sends; does not wait for the exit. False when the signal was not sent (no kill(1), or the process is gone).</summary>
    public Task<bool> InterruptAsync() => SignalAsync("-INT");

    /// <summary>Waits for the exit; false when the process still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL (kill -9), to its descendants too with <paramref name="entireProcessTree"/>: no shutdown code runs. Waits until the process is gone.</summary>
    public async Task KillAsync(bool entireProcessTree = false)
    {
        if (!_disposed && !_process.HasExited)
        {
            _process.Kill(entireProcessTree);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Running.TryRemove(_process.Id, out _);
    }

    /// <summary>The resident set size (VmRSS of /proc/PID/status), in bytes; null once the process is gone.</summary>
    public long? ResidentBytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        try
        {
            await StopAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"stopping {Name}: {ex.Message}");
        }

        _disposed = true;
        _process.Dispose();
    }

    /// <summary>Sends <paramref name="signal"/> with kill(1); true when kill exited with 0.</summary>
    private async Task<bool> SignalAsync(string signal)
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (kill is null) return false;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await kill.WaitForExitAsync(cts.Token);
            return kill.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return false;
        }
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _lines.Enqueue(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                _waiters[i].Found.TrySetResult(line);
                _waiters.RemoveAt(i);
            }
        }
    }

    private static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }
}
