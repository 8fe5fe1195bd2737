using System.Globalization;

namespace Platform.Server.Dev;

/// <summary><c>dev [--workers N] [--data-dir DIR]</c>; everything else is configuration for the hosts.</summary>
internal sealed record DevSettings(int Workers, string DataDirectory, string[] HostArguments)
{
    public const string DefaultDataDirectory = ".platform";

    public static DevSettings Parse(string[] args)
    {
        var workers = 2;
        var dataDirectory = DefaultDataDirectory;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "dev":
                    break;
                case "--workers" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out workers) || workers is < 1 or > 16)
                        throw new ServerConfigurationException("--workers takes a number from 1 to 16");
                    break;
                case "--data-dir" when i + 1 < args.Length:
                    dataDirectory = args[++i];
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new DevSettings(workers, Path.GetFullPath(dataDirectory), rest.ToArray());
    }
}
