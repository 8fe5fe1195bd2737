using System.Globalization;

namespace Platform.Cli.Remote;

internal static class Units
{
    /// <summary>1536 -> "1.5 KiB"; below 1 KiB in bytes.</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
