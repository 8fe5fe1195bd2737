using Platform.Testing;

namespace Platform.Cli.Tests;

/// <summary><c>platformctl run --dir/--dir-rw HOST[::GUEST]</c>: host directories preopened for a local run.</summary>
public sealed class RunDirectoryTests : IDisposable
{
    private readonly string _host = Directory.CreateTempSubdirectory("platformctl-dir-").FullName;

    public void Dispose() => Directory.Delete(_host, recursive: true);

    [Fact]
    public async Task Dir_ReadOnly_GuestReadsUnderItsGuestPath()
    {
        await File.WriteAllTextAsync(Path.Combine(_host, "greeting.txt"), "hi from the host");

        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("files"), "--arg", "cat", "--arg", "/data/greeting.txt", "--dir", _host + "::/data");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hi from the host", result.Stdout);
    }

    [Fact]
    public async Task Dir_WithoutGuestPath_MountsUnderTheLastName()
    {
        await File.WriteAllTextAsync(Path.Combine(_host, "x.txt"), "x");

        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("files"), "--arg", "cat", "--arg", Path.GetFileName(_host) + "/x.txt", "--dir", _host);

        Assert.Equal("x", result.Stdout);
    }

    [Fact]
    public async Task Dir_ReadOnly_WriteIsErofsAndHostUntouched()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("files"), "--arg", "write", "--arg", "/data/new.txt", "--arg", "4", "--dir", _host + "::/data");

        Assert.Equal("errno=69\n", result.Stdout);
        Assert.False(File.Exists(Path.Combine(_host, "new.txt")));
    }

    [Fact]
    public async Task DirRw_Writable_GuestWritesTheHostFile()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("files"), "--arg", "write", "--arg", "/out/new.txt", "--arg", "4", "--dir-rw", _host + "::/out");

        Assert.Equal("wrote=4\n", result.Stdout);
        Assert.Equal("xxxx", await File.ReadAllTextAsync(Path.Combine(_host, "new.txt")));
    }

    [Theory]
    [InlineData("--dir", "{missing}", "no such directory")]
    [InlineData("--dir-rw", "{host}::", "expects a guest path")]
    [InlineData("--dir", "::/x", "expects HOST[::GUEST]")]
    public async Task Dir_Invalid_IsAUsageError(string option, string value, string message)
    {
        var argument = value.Replace("{missing}", Path.Combine(_host, "missing"), StringComparison.Ordinal).Replace("{host}", _host, StringComparison.Ordinal);

        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("files"), option, argument);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }
}
