using System.Security.Cryptography;
using System.Text.Json;

namespace Platform.Server.Dev;

/// <summary>The admin key and cluster token of a dev data directory: generated once, reused by later runs.</summary>
internal sealed record DevSecrets(string AdminKey, string ClusterToken)
{
    public static DevSecrets LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "secrets.json");
        if (File.Exists(path) && JsonSerializer.Deserialize<DevSecrets>(File.ReadAllText(path)) is { AdminKey.Length: > 0, ClusterToken.Length: > 0 } existing)
            return existing;

        var secrets = new DevSecrets("adm_" + Random(), "clu_" + Random());
        Directory.CreateDirectory(dataDirectory);
        File.WriteAllText(path, JsonSerializer.Serialize(secrets));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return secrets;
    }

    private static string Random() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
