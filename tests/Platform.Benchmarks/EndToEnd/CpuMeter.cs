using System.Globalization;

namespace Platform.Benchmarks.EndToEnd;

/// <summary>
/// CPU time (user + system) from /proc, per named group of processes and for the whole machine,
/// so a load run can say where the two cores went: the platform, PostgreSQL, or everything
/// else (the load generator, this program, other users of the shared machine).
/// </summary>
internal sealed class CpuMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly IReadOnlyList<(string Name, Func<IEnumerable<int>> Pids)> _groups;

    public CpuMeter(params (string Name, Func<IEnumerable<int>> Pids)[] groups) => _groups = groups;

    public Snapshot Take()
    {
        var perGroup = new Dictionary<string, Dictionary<int, long>>(StringComparer.Ordinal);
        foreach (var (name, pids) in _groups)
        {
            var ticks = new Dictionary<int, long>();
            foreach (var pid in pids())
            {
                if (ProcessTicks(pid) is { } t) ticks[pid] = t;
            }

            perGroup[name] = ticks;
        }

        return new Snapshot(DateTime.UtcNow, MachineTicks(), perGroup);
    }

    /// <summary>CPU seconds per group between two snapshots (a process that exited in between loses its share), plus "machine" and "everything else".</summary>
    public IReadOnlyList<(string Name, double CpuSeconds)> Between(Snapshot before, Snapshot after)
    {
        var result = new List<(string, double)>();
        double known = 0;
        foreach (var (name, _) in _groups)
        {
            var b = before.Groups[name];
            long sum = 0;
            foreach (var (pid, t) in after.Groups[name]) sum += t - b.GetValueOrDefault(pid);
            var seconds = sum / TicksPerSecond;
            known += seconds;
            result.Add((name, seconds));
        }

        var machine = (after.Machine - before.Machine) / TicksPerSecond;
        result.Add(("everything else (load generator, benchmark, other users)", Math.Max(0, machine - known)));
        result.Add(("machine", machine));
        return result;
    }

    /// <summary>PostgreSQL's postmaster (from postmaster.pid) and its children, the backends.</summary>
    public static IEnumerable<int> PostgresProcesses(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) yield break;
        var postmaster = int.Parse(File.ReadLines(pidFile).First().Trim(), CultureInfo.InvariantCulture);
        yield return postmaster;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (StatFields(pid) is { } fields && int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster) yield return pid;
        }
    }

    private static long? ProcessTicks(int pid)
    {
        var fields = StatFields(pid);
        if (fields is null) return null;
        // After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>The fields of /proc/PID/stat after the command name (index 0 = state, 1 = ppid, 11 = utime, 12 = stime).</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long MachineTicks()
    {
        // cpu  user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        foreach (var i in new[] { 1, 2, 3, 6, 7, 8 }) busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
        return busy;
    }

    internal sealed record Snapshot(DateTime At, long Machine, IReadOnlyDictionary<string, Dictionary<int, long>> Groups);
}

/// <summary>CPU per run name, summed over rounds: share of the cores over the runs' wall time and µs of CPU per completed request.</summary>
internal sealed class CpuLedger(CpuMeter meter)
{
    private readonly Dictionary<string, (double Wall, long Requests, double[] Cpu)> _runs = [];
    private readonly List<string> _order = [];
    private IReadOnlyList<string>? _groups;

    public T Measure<T>(string run, Func<T> body, Func<T, long> completed)
    {
        var before = meter.Take();
        var result = body();
        var after = meter.Take();
        var groups = meter.Between(before, after);
        _groups ??= groups.Select(g => g.Name).ToList();
        var wall = (after.At - before.At).TotalSeconds;
        var n = completed(result);
        if (_runs.TryGetValue(run, out var sum))
        {
            _runs[run] = (sum.Wall + wall, sum.Requests + n, sum.Cpu.Zip(groups, (a, g) => a + g.CpuSeconds).ToArray());
        }
        else
        {
            _runs[run] = (wall, n, groups.Select(g => g.CpuSeconds).ToArray());
            _order.Add(run);
        }

        return result;
    }

    public IReadOnlyList<string> Header => ["run", "requests", .. _groups ?? []];

    public IEnumerable<IReadOnlyList<string>> Rows => _order.Select(run =>
    {
        var (wall, n, cpu) = _runs[run];
        return (IReadOnlyList<string>)[run, n.ToString(System.Globalization.CultureInfo.InvariantCulture), .. cpu.Select(c => n == 0 ? $"{c / wall * 100:0} %" : $"{c / wall * 100:0} % · {c * 1e6 / n:0} µs/req")];
    });

    /// <summary>µs of CPU per request of one group in one run (NaN when absent).</summary>
    /// <summary>Share of one core (100 = one core) of one group in one run (NaN when absent).</summary>
    public double CorePercent(string run, string group)
    {
        if (_groups is null || !_runs.TryGetValue(run, out var r)) return double.NaN;
        var i = _groups.ToList().IndexOf(group);
        return i < 0 ? double.NaN : r.Cpu[i] / r.Wall * 100;
    }

    public double MicrosecondsPerRequest(string run, string group)
    {
        if (_groups is null || !_runs.TryGetValue(run, out var r)) return double.NaN;
        var i = _groups.ToList().IndexOf(group);
        return i < 0 ? double.NaN : r.Cpu[i] * 1e6 / Math.Max(1, r.Requests);
    }
}
