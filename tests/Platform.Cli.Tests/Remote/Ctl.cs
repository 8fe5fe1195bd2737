using System.Text;

namespace Platform.Cli.Tests.Remote;

/// <summary>Runs platformctl against a <see cref="FakePlatform"/> with its URL and a key in the environment.</summary>
internal static class Ctl
{
    public static Task<PlatformCtlProcess.Result> TenantAsync(FakePlatform platform, params string[] args) =>
        PlatformCtlProcess.RunAsync([], platform.Environment(FakePlatform.TenantKey), args);

    public static Task<PlatformCtlProcess.Result> AdminAsync(FakePlatform platform, params string[] args) =>
        PlatformCtlProcess.RunAsync([], platform.Environment(FakePlatform.AdminKey), args);

    public static Task<PlatformCtlProcess.Result> WithStdinAsync(FakePlatform platform, byte[] stdin, params string[] args) =>
        PlatformCtlProcess.RunAsync(stdin, platform.Environment(FakePlatform.TenantKey), args);

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>A temporary file with this name and these bytes, deleted by the caller's using.</summary>
    public static TempFile File(string fileName, byte[] content) => new(fileName, content);

    internal sealed class TempFile : IDisposable
    {
        public TempFile(string fileName, byte[] content)
        {
            var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "platformctl-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            Path = System.IO.Path.Combine(directory, fileName);
            System.IO.File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(System.IO.Path.GetDirectoryName(Path)!, recursive: true);
    }
}
