using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.Runtime.Files;

namespace Platform.Cli.Tests.Remote;

/// <summary><c>platformctl deploy NAME FILE --assets DIR</c>: the directory as a deterministic tar beside the module.</summary>
public sealed class DeployAssetsTests : IDisposable
{
    private static readonly byte[] WasmModule = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "platformctl-tests", Guid.NewGuid().ToString("N"));

    public DeployAssetsTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "site", "data", "deep"));
        Directory.CreateDirectory(Path.Combine(_root, "site", "empty"));
        File.WriteAllText(Path.Combine(_root, "site", "data", "hello.txt"), "hello from a file\n");
        File.WriteAllBytes(Path.Combine(_root, "site", "data", "deep", "table.bin"), Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray());
        File.WriteAllText(Path.Combine(_root, "site", "index.html"), "<p/>");
    }

    private string Site => Path.Combine(_root, "site");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Deploy_Assets_SendsTheDirectoryAsAnArchiveTheServerReadsBack()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "site", file.Path, "--assets", Site, "--scratch-bytes", "65536");

        Assert.Equal(0, result.ExitCode);
        var parts = await PartsAsync(Assert.Single(platform.Requests));
        Assert.Equal(["module", "config", "assets"], parts.Keys);
        Assert.Equal(WasmModule, parts["module"]);
        Assert.Equal("""{"scratch":{"maxBytes":65536}}""", Encoding.UTF8.GetString(parts["config"]));
        var bundle = await AssetArchive.ReadAsync(new MemoryStream(parts["assets"]), new AssetLimits(1 << 20, 100), CancellationToken.None);
        Assert.Equal(["data/deep/table.bin", "data/hello.txt", "index.html"], bundle.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["data", "data/deep", "empty"], bundle.Directories.Order(StringComparer.Ordinal));
        Assert.Equal("hello from a file\n", Encoding.UTF8.GetString(bundle.Files["data/hello.txt"].Span));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (byte)i), bundle.Files["data/deep/table.bin"].ToArray());
    }

    [Fact]
    public async Task Deploy_Assets_SameFilesGiveTheSameBytesWhateverTheirTimes()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        Assert.Equal(0, (await Ctl.TenantAsync(platform, "deploy", "site", file.Path, "--assets", Site)).ExitCode);
        foreach (var path in Directory.EnumerateFileSystemEntries(Site, "*", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(path, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        Assert.Equal(0, (await Ctl.TenantAsync(platform, "deploy", "site", file.Path, "--assets", Site)).ExitCode);

        var first = await PartsAsync(platform.Requests[0]);
        var second = await PartsAsync(platform.Requests[1]);
        Assert.Equal(["module", "assets"], first.Keys);
        Assert.Equal(first["assets"], second["assets"]);
    }

    [Fact]
    public async Task Deploy_AssetsWithASymlink_Exits20WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);
        File.CreateSymbolicLink(Path.Combine(Site, "passwd"), "/etc/passwd");

        var result = await Ctl.TenantAsync(platform, "deploy", "site", file.Path, "--assets", Site);

        Assert.Equal(20, result.ExitCode);
        Assert.Contains("is a link", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task Deploy_AssetsDirectoryMissing_Exits20WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "site", file.Path, "--assets", Path.Combine(_root, "nowhere"));

        Assert.Equal(20, result.ExitCode);
        Assert.Contains("no such directory", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task Deploy_NegativeScratch_Exit2WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "site", file.Path, "--scratch-bytes", "-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--scratch-bytes", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(platform.Requests);
    }

    private static async Task<Dictionary<string, byte[]>> PartsAsync(RecordedRequest request)
    {
        var type = MediaTypeHeaderValue.Parse(request.ContentType);
        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(type.Boundary).Value!, new MemoryStream(request.Body));
        var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (await reader.ReadNextSectionAsync().WaitAsync(TimeSpan.FromSeconds(10)) is { } section)
        {
            using var body = new MemoryStream();
            await section.Body.CopyToAsync(body).WaitAsync(TimeSpan.FromSeconds(10));
            parts.Add(HeaderUtilities.RemoveQuotes(ContentDispositionHeaderValue.Parse(section.ContentDisposition).Name).Value!, body.ToArray());
        }

        return parts;
    }
}
