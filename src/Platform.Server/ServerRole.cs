namespace Platform.Server;

/// <summary>What one process runs: <c>--role all|control-plane|worker</c>.</summary>
[Flags]
public enum ServerRole
{
    ControlPlane = 1,
    Worker = 2,
    All = ControlPlane | Worker,
}

public static class ServerRoles
{
    /// <summary>The configuration key: <c>--role</c> on the command line, <c>role</c> in settings.</summary>
    public const string ConfigurationKey = "role";

    public const ServerRole Default = ServerRole.ControlPlane;

    public static ServerRole Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => Default,
        "all" => ServerRole.All,
        "control-plane" => ServerRole.ControlPlane,
        "worker" => ServerRole.Worker,
        _ => throw new ServerConfigurationException($"unknown role '{value}': use --role all, --role control-plane or --role worker"),
    };

    public static string Name(ServerRole role) => role switch
    {
        ServerRole.All => "all",
        ServerRole.ControlPlane => "control-plane",
        ServerRole.Worker => "worker",
        _ => role.ToString(),
    };
}

/// <summary>The process cannot start with the configuration it was given; the message says why.</summary>
public sealed class ServerConfigurationException : Exception
{
    public ServerConfigurationException()
    {
    }

    public ServerConfigurationException(string message)
        : base(message)
    {
    }

    public ServerConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
