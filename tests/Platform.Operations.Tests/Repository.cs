using Platform.Testing;

namespace Platform.Operations.Tests;

/// <summary>Paths of the repository's operations files.</summary>
internal static class Repository
{
    public static string Root => GuestModules.RepositoryRoot;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Deploy(params string[] parts) => Path.Combine([Root, "deploy", .. parts]);
}
