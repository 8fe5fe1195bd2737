using System.Text;
using Platform.Runtime.Files;
using Platform.Testing;

namespace Platform.Runtime.Tests.Files;

/// <summary>
/// The WASI filesystem through a real C guest (tests/guests/c/files.c): an asset bundle as a
/// read-only <c>/</c>, scratch as <c>/tmp</c>, host mounts, and what a hostile guest tries with them.
/// Errnos are WASI's numbers, which wasi-libc's errno shares.
/// </summary>
public sealed class FileSystemTests : IDisposable
{
    private const int Eperm = 63;
    private const int Enoent = 44;
    private const int Erofs = 69;
    private const int Enospc = 51;
    private const int Eloop = 32;
    private const int Enametoolong = 37;
    private const int Emfile = 33;
    private const int Enotcapable = 76;
    private const int OflagCreat = 1;
    private const int OflagDirectory = 2;

    private static readonly AssetBundle Bundle = new(
        new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal)
        {
            ["hello.txt"] = Encoding.UTF8.GetBytes("hello from the bundle\n"),
            ["data/table.csv"] = Encoding.UTF8.GetBytes("a,b\n1,2\n"),
        },
        ["data/empty"]);

    private readonly TestSandbox _sandbox = new();
    private readonly CompiledModule _files;

    public FileSystemTests()
    {
        _files = _sandbox.Compile(GuestModules.Bytes("files"));
    }

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Bundle_FileRead_ReturnsItsBytes()
    {
        var result = Run(["cat", "/data/table.csv"], Bundle);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal("a,b\n1,2\n", Text(result));
    }

    [Fact]
    public void Bundle_DirectoriesListed_ShowTheirEntries()
    {
        Assert.Equal("count=2 first=empty last=table.csv\n", Text(Run(["ls", "/data"], Bundle)));
        Assert.Equal("count=2 first=data last=hello.txt\n", Text(Run(["ls", "/"], Bundle)));
        Assert.Equal("count=0 first= last=\n", Text(Run(["ls", "/data/empty"], Bundle)));
    }

    [Theory]
    [InlineData("/hello.txt")]
    [InlineData("/new.txt")]
    [InlineData("/data/new.txt")]
    public void Bundle_Write_IsErofs(string path)
    {
        Assert.Equal($"errno={Erofs}\n", Text(Run(["write", path, "10"], Bundle)));
        Assert.Equal("hello from the bundle\n", Text(Run(["cat", "/hello.txt"], Bundle)));
    }

    [Fact]
    public void Bundle_RawCreate_IsErofs()
    {
        Assert.Equal($"errno={Erofs}\n", Text(Run(["open", "3", "created", OflagCreat.ToString(System.Globalization.CultureInfo.InvariantCulture)], Bundle)));
    }

    [Fact]
    public void Bundle_TenThousandFiles_ListedThroughReaddirCookies()
    {
        var files = Enumerable.Range(0, 10_000).ToDictionary(i => $"many/file-{i:D5}.txt", _ => (ReadOnlyMemory<byte>)new byte[] { 1 }, StringComparer.Ordinal);
        var bundle = new AssetBundle(files);

        var result = Run(["ls", "/many"], bundle);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal("count=10000 first=file-00000.txt last=file-09999.txt\n", Text(result));
    }

    [Fact]
    public void Scratch_WithinItsLimit_WritesAndListsFiles()
    {
        var result = Run(["write", "/tmp/out.bin", "100000"], scratch: 1 << 20);

        Assert.Equal("wrote=100000\n", Text(result));
    }

    [Fact]
    public void Scratch_PastItsLimit_IsEnospc()
    {
        var result = Run(["write", "/tmp/out.bin", "200000"], scratch: 100_000);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal($"errno={Enospc}\n", Text(result));
    }

    [Theory]
    [InlineData("1000", "wrote=1")]
    [InlineData("1000000", "errno=51")]
    [InlineData("4611686018427387904", "errno=22")]
    public void Scratch_WriteFarPastTheEnd_IsBoundedByTheLimit(string offset, string expected)
    {
        Assert.Equal(expected + "\n", Text(Run(["pwrite", "/tmp/sparse", offset], scratch: 64 << 10)));
    }

    [Fact]
    public void Scratch_WithoutALimit_IsNotMounted()
    {
        // wasi-libc's answer when no preopen holds the path.
        Assert.Equal($"errno={Enotcapable}\n", Text(Run(["write", "/tmp/out.bin", "1"])));
    }

    [Fact]
    public void Scratch_NothingSurvivesAnInvocation()
    {
        Assert.Equal("wrote=5\n", Text(Run(["write", "/tmp/left-behind", "5"], scratch: 4096)));

        Assert.Equal($"errno={Enoent}\n", Text(Run(["cat", "/tmp/left-behind"], scratch: 4096)));
        Assert.Equal("count=0 first= last=\n", Text(Run(["ls", "/tmp"], scratch: 4096)));
    }

    [Fact]
    public async Task Scratch_ConcurrentInvocations_SeeOnlyTheirOwnFiles()
    {
        var runs = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            var written = Run(["write", $"/tmp/mine-{i}", "10"], scratch: 4096);
            var listed = Run(["ls", "/tmp"], scratch: 4096);
            return (Text(written), Text(listed));
        }));

        foreach (var (written, listed) in await Task.WhenAll(runs))
        {
            Assert.Equal("wrote=10\n", written);
            Assert.Equal("count=0 first= last=\n", listed);
        }
    }

    [Fact]
    public void Preopens_InOrder_BundleThenScratchThenMounts()
    {
        using var mount = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(mount.Path, "mounted.txt"), "m");

        Assert.Equal("errno=0\n", Text(Run(["open", "3", "hello.txt", "0"], Bundle, scratch: 4096, mounts: [new DirectoryMount(mount.Path, "/mnt", false)])));
        Assert.Equal("errno=0\n", Text(Run(["open", "4", ".", OflagDirectory.ToString(System.Globalization.CultureInfo.InvariantCulture)], Bundle, scratch: 4096, mounts: [new DirectoryMount(mount.Path, "/mnt", false)])));
        Assert.Equal("errno=0\n", Text(Run(["open", "5", "mounted.txt", "0"], Bundle, scratch: 4096, mounts: [new DirectoryMount(mount.Path, "/mnt", false)])));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../etc/passwd")]
    [InlineData("data/../../hello.txt")]
    [InlineData("/hello.txt")]
    [InlineData("/etc/passwd")]
    public void Escape_DotDotOrAbsolute_IsEperm(string path)
    {
        Assert.Equal($"errno={Eperm}\n", Text(Run(["open", "3", path, "0"], Bundle)));
    }

    [Fact]
    public void Escape_LongPathOrName_IsEnametoolong()
    {
        var longPath = string.Join('/', Enumerable.Repeat("a", 2100));
        var longName = new string('n', 300);

        Assert.Equal($"errno={Enametoolong}\n", Text(Run(["open", "3", longPath, "0"], Bundle)));
        Assert.Equal($"errno={Enametoolong}\n", Text(Run(["open", "3", longName, "0"], Bundle)));
    }

    [Fact]
    public void Escape_SymlinkLoopInScratch_IsEloop()
    {
        var result = Run(["symlink", "loop", "loop"], scratch: 4096);

        Assert.Equal($"errno=0 open={Eloop}\n", Text(result));
    }

    [Fact]
    public void Escape_SymlinkLoopInAMount_IsEloop()
    {
        using var mount = new TemporaryDirectory();
        File.CreateSymbolicLink(Path.Combine(mount.Path, "a"), "b");
        File.CreateSymbolicLink(Path.Combine(mount.Path, "b"), "a");

        Assert.Equal($"errno={Eloop}\n", Text(Run(["open", "3", "a", "0"], mounts: [new DirectoryMount(mount.Path, "/m", true)])));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("../..")]
    [InlineData("../outside")]
    public void Escape_SymlinkOutOfAMount_IsEperm(string target)
    {
        using var outer = new TemporaryDirectory();
        var mount = Directory.CreateDirectory(Path.Combine(outer.Path, "mount")).FullName;
        File.WriteAllText(Path.Combine(outer.Path, "outside"), "secret");
        File.CreateSymbolicLink(Path.Combine(mount, "out"), target);

        Assert.Equal($"errno={Eperm}\n", Text(Run(["open", "3", "out", "0"], mounts: [new DirectoryMount(mount, "/m", false)])));
        Assert.Equal($"errno={Eperm}\n", Text(Run(["open", "3", "out/outside", "0"], mounts: [new DirectoryMount(mount, "/m", false)])));
    }

    [Fact]
    public void Escape_GuestCreatesAbsoluteSymlink_IsEperm()
    {
        Assert.Equal($"errno={Eperm} open={Enoent}\n", Text(Run(["symlink", "/etc", "etc"], scratch: 4096)));
    }

    [Fact]
    public void ReadOnlyMount_Write_IsErofsAndTheHostFileIsUnchanged()
    {
        using var mount = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(mount.Path, "keep.txt"), "keep");

        Assert.Equal($"errno={Erofs}\n", Text(Run(["write", "/m/keep.txt", "3"], mounts: [new DirectoryMount(mount.Path, "/m", false)])));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(mount.Path, "keep.txt")));
    }

    [Fact]
    public void OpenFds_PastTheCap_IsEmfile()
    {
        var result = Run(["openmany", "/hello.txt"], Bundle);

        Assert.Equal($"opened={FdTable.MaxOpen} errno={Emfile}\n", Text(result));
    }

    [Fact]
    public void ReaddirLoop_PaysFuel_EndsOutOfFuel()
    {
        var files = Enumerable.Range(0, 10_000).ToDictionary(i => $"many/{i}", _ => ReadOnlyMemory<byte>.Empty, StringComparer.Ordinal);

        var result = Run(["lsloop", "/many"], new AssetBundle(files), limits: InvocationLimits.Default with { Fuel = 20_000_000, TimeoutMs = 60_000 });

        Assert.Equal(Outcome.OutOfFuel, result.Outcome);
    }

    [Fact]
    public void ReaddirLoop_WithAmpleFuel_StopsAtTheDeadline()
    {
        var files = Enumerable.Range(0, 10_000).ToDictionary(i => $"many/{i}", _ => ReadOnlyMemory<byte>.Empty, StringComparer.Ordinal);

        var result = Run(["lsloop", "/many"], new AssetBundle(files), limits: InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 200 });

        Assert.Equal(Outcome.Timeout, result.Outcome);
    }

    [Theory]
    [InlineData("cat", "/data/table.csv")]
    [InlineData("ls", "/")]
    [InlineData("write", "/tmp/out.bin")]
    public void Replay_OfAFilesInvocation_IsIdentical(string command, string path)
    {
        string[] args = command == "write" ? ["files", command, path, "5000"] : ["files", command, path];
        var limits = InvocationLimits.Default with { ScratchMaxBytes = 1 << 20 };
        var production = _sandbox.Executor.Invoke(_files, new InvocationRequest { Args = args, Assets = Bundle, Limits = limits, Record = true });

        var replay = _sandbox.Executor.Invoke(_files, new InvocationRequest { Args = args, Assets = Bundle, Limits = limits, Replay = production.Recording });

        Assert.Equal(Outcome.Ok, production.Outcome);
        Assert.Equal(production.Outcome, replay.Outcome);
        Assert.Equal(production.FuelConsumed, replay.FuelConsumed);
        Assert.Equal(Text(production), Text(replay));
    }

    private InvocationResult Run(string[] args, AssetBundle? assets = null, long scratch = 0, IReadOnlyList<DirectoryMount>? mounts = null, InvocationLimits? limits = null) =>
        _sandbox.Executor.Invoke(_files, new InvocationRequest
        {
            Args = ["files", .. args],
            Assets = assets,
            Mounts = mounts ?? [],
            Limits = (limits ?? InvocationLimits.Default) with { ScratchMaxBytes = scratch },
        });

    private static string Text(InvocationResult result) => Encoding.UTF8.GetString(result.Output.Span);

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("platform-files-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
