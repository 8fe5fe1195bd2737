using System.Security.Cryptography;
using System.Text.Json;
using Platform.Runtime.Files;
using Platform.Testing;

namespace Platform.Cli.Tests.Live;

/// <summary><c>platformctl deploy --assets</c> against a real control plane: the version carries the directory's bundle.</summary>
[Collection(LiveCollection.Name)]
public sealed class DeployAssetsLiveTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Deploy_Assets_VersionCarriesTheDirectorysBundle()
    {
        var root = Path.Combine(Path.GetTempPath(), "platformctl-tests", Guid.NewGuid().ToString("N"));
        var site = Path.Combine(root, "site");
        Directory.CreateDirectory(Path.Combine(site, "data"));
        await File.WriteAllTextAsync(Path.Combine(site, "data", "hello.txt"), "hello from a file\n");
        var module = Path.Combine(root, "hello.wat");
        await File.WriteAllTextAsync(module, """(module (memory (export "memory") 1) (func (export "_start")))""");
        try
        {
            await using var platform = await LivePlatform.StartAsync(postgres);

            var result = await platform.CtlAsync("deploy", "site", module, "--assets", site, "--scratch-bytes", "4096", "--json");

            Assert.True(result.ExitCode == 0, result.Stderr);
            using var version = JsonDocument.Parse(result.Stdout);
            var assets = version.RootElement.GetProperty("assets");
            var expected = AssetArchive.Pack(new AssetBundle(new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal)
            {
                ["data/hello.txt"] = "hello from a file\n"u8.ToArray(),
            }));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), assets.GetProperty("sha256").GetString());
            Assert.Equal(1, assets.GetProperty("files").GetInt32());
            Assert.Equal(18, assets.GetProperty("bytes").GetInt64());
            Assert.Equal(4096, version.RootElement.GetProperty("config").GetProperty("scratch").GetProperty("maxBytes").GetInt64());

            var shown = await platform.CtlAsync("deploy", "site", module, "--assets", site);
            Assert.True(shown.ExitCode == 0, shown.Stderr);
            Assert.Contains($"assets   {assets.GetProperty("sha256").GetString()} (1 files, 18 bytes)", shown.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
