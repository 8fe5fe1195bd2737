using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Benchmarks.EndToEnd;

/// <summary>One run of <c>hey</c> (Debian package <c>hey</c>), parsed from its summary.</summary>
internal sealed record HeyResult(
    string Target,
    int Concurrency,
    double RequestsPerSecond,
    double? P50Ms,
    double? P99Ms,
    IReadOnlyDictionary<int, long> Statuses,
    IReadOnlyList<string> Errors,
    string Raw)
{
    public long Responses => Statuses.Values.Sum();

    public long Ok => Statuses.GetValueOrDefault(200);

    public long NotOk => Responses - Ok;

    public long ErrorCount => Errors.Sum(e => ErrorCountOf(e));

    public static long ErrorCountOf(string errorLine)
    {
        var match = Regex.Match(errorLine, @"^\s*\[(\d+)\]");
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
    }
}

internal static partial class Hey
{
    public static string Version { get; } = DetectVersion();

    /// <summary>
    /// <c>hey -m POST -d BODY [-H 'Authorization: Bearer KEY'] (-n N | -z Ts) -c C URL</c>.
    /// A count-bounded run also has a time bound (the process is killed after <paramref name="limit"/>).
    /// </summary>
    public static HeyResult Run(string target, Uri url, string body, string? bearer, int concurrency, int? requests, TimeSpan? duration, TimeSpan limit)
    {
        var arguments = new List<string> { "-m", "POST", "-d", body, "-T", "text/plain", "-c", concurrency.ToString(CultureInfo.InvariantCulture) };
        if (bearer is not null) arguments.AddRange(["-H", $"Authorization: Bearer {bearer}"]);
        if (duration is { } d) arguments.AddRange(["-z", $"{(int)Math.Ceiling(d.TotalSeconds)}s"]);
        else arguments.AddRange(["-n", (requests ?? 1000).ToString(CultureInfo.InvariantCulture)]);
        arguments.Add(url.ToString());

        var info = new ProcessStartInfo("hey") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start hey");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"hey {string.Join(' ', arguments)} did not finish within {limit}");
        }

        var output = stdout.Result + stderr.Result;
        if (process.ExitCode != 0) throw new InvalidOperationException($"hey exited with {process.ExitCode}: {output}");
        return Parse(target, concurrency, output);
    }

    public static HeyResult Parse(string target, int concurrency, string output)
    {
        var rps = Number(RequestsPerSecond().Match(output)) ?? 0;
        double? Percentile(string p)
        {
            var match = Regex.Match(output, $@"^\s*{p}% in ([0-9.]+) secs", RegexOptions.Multiline);
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000 : null;
        }

        var statuses = new Dictionary<int, long>();
        foreach (Match m in StatusLine().Matches(output))
            statuses[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);

        var errors = new List<string>();
        var errorSection = output.IndexOf("Error distribution:", StringComparison.Ordinal);
        if (errorSection >= 0)
        {
            errors.AddRange(output[(errorSection + "Error distribution:".Length)..]
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith('[')));
        }

        return new HeyResult(target, concurrency, rps, Percentile("50"), Percentile("99"), statuses, errors, output);
    }

    private static double? Number(Match match) =>
        match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    private static string DetectVersion()
    {
        try
        {
            var info = new ProcessStartInfo("dpkg-query", ["-W", "-f=${Version}", "hey"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info)!;
            var version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5_000);
            return version.Length > 0 ? version : "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    public static bool IsInstalled()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("hey") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit(5_000);
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"^\s*\[(\d{3})\]\s+(\d+) responses", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}
