using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A deployed C guest (tests/guests/c/readfile.c) reads the files of its version's bundle at
/// <c>/</c> and writes its scratch <c>/tmp</c>, through the whole platform: upload, storage,
/// routing, the worker's fetch and the WASI host's filesystem.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AssetFileTests(EndToEndEnvironment environment)
{
    private static byte[] Bundle()
    {
        using var tar = new MemoryStream();
        using (var gzip = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "data/"));
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "data/hello.txt") { DataStream = new MemoryStream("hello from a bundled file\n"u8.ToArray()) });
        }

        return tar.ToArray();
    }

    private static MultipartFormDataContent Form(string configJson)
    {
        var module = new ByteArrayContent(GuestModules.Bytes("readfile"));
        module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        var form = ApiCalls.ModuleForm(module, "readfile.wasm", configJson);
        var assets = new ByteArrayContent(Bundle());
        assets.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        form.Add(assets, "assets", "assets.tar.gz");
        return form;
    }

    [Fact]
    public async Task Invoke_CGuest_ReadsItsBundledFileAndWritesScratch()
    {
        var cluster = await environment.SharedClusterAsync();
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "reader", Form("""{}"""));
        await cluster.DeployAsync(key, "scratcher", Form("""{"args":["scratch"],"scratch":{"maxBytes":65536}}"""));

        var read = await cluster.InvokeAsync(key, "reader", "/data/hello.txt");
        Assert.True(read.Status == HttpStatusCode.OK, read.Body);
        Assert.Equal("hello from a bundled file\n", read.Body);

        var missing = await cluster.InvokeAsync(key, "reader", "/data/absent.txt");
        Assert.Equal("EXIT_NONZERO", missing.Outcome);

        var escaped = await cluster.InvokeAsync(key, "reader", "/../../etc/passwd");
        Assert.Equal("EXIT_NONZERO", escaped.Outcome);

        var scratch = await cluster.InvokeAsync(key, "scratcher", "/data/hello.txt");
        Assert.True(scratch.Status == HttpStatusCode.OK, scratch.Body);
        Assert.Equal("hello from a bundled file\n--- from /tmp ---\nhello from a bundled file\n", scratch.Body);
    }
}
