using System.Globalization;

namespace Platform.Runtime.Compilation;

/// <summary>A Linux process's CPU time and resident memory, read from <c>/proc</c>.</summary>
internal static class ProcessUsage
{
    // USER_HZ: the unit of /proc/PID/stat's times; 100 on every Linux ABI .NET runs on.
    private const double ClockTicksPerSecond = 100;

    /// <summary>User + system CPU time; null when the process is gone.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        var stat = ReadOrNull($"/proc/{pid}/stat");
        if (stat is null) return null;
        // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    /// <summary>Resident set size in bytes; null when the process is gone.</summary>
    public static long? ResidentBytes(int pid)
    {
        var statm = ReadOrNull($"/proc/{pid}/statm");
        if (statm is null) return null;
        return long.Parse(statm.Split(' ')[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }
}
