using System.Formats.Tar;
using System.Text;
using Platform.Runtime.Files;
using Platform.Testing.Assets;

namespace Platform.Runtime.Tests.Files;

public sealed class AssetArchiveTests
{
    private static readonly AssetLimits Limits = new(64L << 20, 16_384);

    private static Task<AssetBundle> Read(byte[] archive, AssetLimits? limits = null) =>
        AssetArchive.ReadAsync(new MemoryStream(archive), limits ?? Limits, CancellationToken.None);

    private static async Task<AssetArchiveException> Refused(byte[] archive, AssetRefusal reason, string messagePart, AssetLimits? limits = null)
    {
        var refusal = await Assert.ThrowsAsync<AssetArchiveException>(() => Read(archive, limits));
        Assert.Equal(reason, refusal.Reason);
        Assert.Contains(messagePart, refusal.Message, StringComparison.Ordinal);
        return refusal;
    }

    [Fact]
    public async Task ReadAsync_FilesAndDirectories_BuildsTheTree()
    {
        var bundle = await Read(HostileTars.Tar(w =>
        {
            w.Entry(TarEntryType.Directory, "./");
            w.Entry(TarEntryType.Directory, "./data/");
            w.File("./data/hello.txt", "hello\n");
            w.File("templates/page.html", "<p/>");
            w.Entry(TarEntryType.Directory, "empty/");
            w.File("zero", "");
        }));

        Assert.Equal("hello\n", Encoding.UTF8.GetString(bundle.Files["data/hello.txt"].Span));
        Assert.Equal("<p/>", Encoding.UTF8.GetString(bundle.Files["templates/page.html"].Span));
        Assert.Equal(0, bundle.Files["zero"].Length);
        Assert.Equal(["data", "empty", "templates"], bundle.Directories.Order(StringComparer.Ordinal));
        Assert.Equal(10, bundle.TotalBytes);
    }

    [Fact]
    public async Task ReadAsync_Gzip_IsDetectedByItsMagic()
    {
        var bundle = await Read(HostileTars.Gzip(HostileTars.Tar(w => w.File("a/b.txt", "compressed"))));

        Assert.Equal("compressed", Encoding.UTF8.GetString(bundle.Files["a/b.txt"].Span));
    }

    [Fact]
    public async Task Pack_ThenRead_GivesTheSameBundleAndTheSameBytes()
    {
        var original = await Read(HostileTars.Tar(w =>
        {
            w.File("z.txt", "last");
            w.File("a/b/c.txt", "deep");
            w.Entry(TarEntryType.Directory, "empty/");
        }));

        var packed = AssetArchive.Pack(original);
        var again = await Read(packed);

        Assert.Equal(original.Files.Keys.Order(StringComparer.Ordinal), again.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(original.Directories.Order(StringComparer.Ordinal), again.Directories.Order(StringComparer.Ordinal));
        Assert.Equal("deep", Encoding.UTF8.GetString(again.Files["a/b/c.txt"].Span));
        Assert.Equal(packed, AssetArchive.Pack(again));
    }

    [Fact]
    public async Task ReadAsync_TenThousandFiles_Accepted()
    {
        var bundle = await Read(HostileTars.Files(10_000));

        Assert.Equal(10_000, bundle.Files.Count);
        Assert.Equal("9999", Encoding.UTF8.GetString(bundle.Files["d9/f9999.txt"].Span));
    }

    [Theory]
    [InlineData("../escape.txt", "'..'")]
    [InlineData("a/../../escape.txt", "'..'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("a//b.txt", "empty or '.' segment")]
    [InlineData("a/./b.txt", "empty or '.' segment")]
    [InlineData("a\\..\\b.txt", "backslash")]
    [InlineData("tab\there", "control character")]
    public async Task ReadAsync_HostileName_RefusedNamingIt(string name, string reason)
    {
        await Refused(HostileTars.Tar(w => w.File(name, "x")), AssetRefusal.Invalid, reason);
    }

    [Fact]
    public async Task ReadAsync_OverLongPath_Refused()
    {
        var longPath = string.Join('/', Enumerable.Repeat(new string('a', 200), 6));

        await Refused(HostileTars.Tar(w => w.File(longPath, "x")), AssetRefusal.Invalid, "longer than 1024 bytes");
        await Refused(HostileTars.Tar(w => w.File(new string('b', 300), "x")), AssetRefusal.Invalid, "longer than 255 bytes");
    }

    [Fact]
    public async Task ReadAsync_SymlinkToEtcPasswd_Refused()
    {
        var refusal = await Refused(HostileTars.Tar(w => w.Entry(TarEntryType.SymbolicLink, "passwd", "/etc/passwd")), AssetRefusal.Invalid, "links are not accepted");
        Assert.Contains("/etc/passwd", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_LinkInsideTheTree_AlsoRefused()
    {
        await Refused(HostileTars.Tar(w =>
        {
            w.File("a.txt", "x");
            w.Entry(TarEntryType.SymbolicLink, "b.txt", "a.txt");
        }), AssetRefusal.Invalid, "links are not accepted");
    }

    [Fact]
    public async Task ReadAsync_HardlinkOut_Refused()
    {
        await Refused(HostileTars.Tar(w => w.Entry(TarEntryType.HardLink, "shadow", "../../etc/shadow")), AssetRefusal.Invalid, "links are not accepted");
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    [InlineData(TarEntryType.Fifo)]
    public async Task ReadAsync_DeviceOrFifo_Refused(TarEntryType type)
    {
        await Refused(HostileTars.Tar(w => w.Entry(type, "dev/thing")), AssetRefusal.Invalid, $"{type} entry");
    }

    [Fact]
    public async Task ReadAsync_DuplicatePath_Refused()
    {
        await Refused(HostileTars.Tar(w =>
        {
            w.File("a.txt", "one");
            w.File("./a.txt", "two");
        }), AssetRefusal.Invalid, "appears twice");
    }

    [Fact]
    public async Task ReadAsync_FileBelowAFile_Refused()
    {
        await Refused(HostileTars.Tar(w =>
        {
            w.File("a", "file");
            w.File("a/b", "below a file");
        }), AssetRefusal.Invalid, "which is a file");
    }

    [Fact]
    public async Task ReadAsync_TwentyThousandFiles_RefusedAtTheLimit()
    {
        await Refused(HostileTars.Files(20_000), AssetRefusal.TooManyFiles, "more than 16384 entries");
    }

    [Fact]
    public async Task ReadAsync_GzipBombOfOneGibibyte_StopsAtTheHeaderBeforeDecompressing()
    {
        var bomb = HostileTars.GzipBomb(1L << 30);
        var source = new MemoryStream(bomb);

        var refusal = await Assert.ThrowsAsync<AssetArchiveException>(() => AssetArchive.ReadAsync(source, Limits, CancellationToken.None));

        Assert.Equal(AssetRefusal.TooManyBytes, refusal.Reason);
        Assert.Contains("past 67108864 bytes", refusal.Message, StringComparison.Ordinal);
        Assert.True(bomb.Length < 4 << 20, $"the bomb compresses to {bomb.Length} bytes");
        Assert.True(source.Position < bomb.Length / 4, $"read {source.Position} of {bomb.Length} compressed bytes");
    }

    [Fact]
    public async Task ReadAsync_ManyFilesEachWithinTheLimit_StopAtTheTotal()
    {
        var archive = HostileTars.Tar(w =>
        {
            for (var i = 0; i < 5; i++)
                w.File($"f{i}", new byte[300]);
        });

        await Refused(archive, AssetRefusal.TooManyBytes, "'f3' (300 bytes) takes the assets past 1000 bytes", new AssetLimits(1000, 100));
    }

    [Fact]
    public async Task ReadAsync_Truncated_Refused()
    {
        var archive = HostileTars.Tar(w => w.File("big.bin", new byte[10_000]));

        await Refused(archive[..3000], AssetRefusal.Invalid, "truncated");
        await Refused(HostileTars.Gzip(archive[..3000]), AssetRefusal.Invalid, "truncated");
    }

    [Fact]
    public async Task ReadAsync_Garbage_Refused()
    {
        var garbage = new byte[4096];
        new Random(14).NextBytes(garbage);

        await Refused(garbage, AssetRefusal.Invalid, "not a valid tar");
        await Refused([0x1f, 0x8b, 1, 2, 3, 4, 5], AssetRefusal.Invalid, "not a valid gzip-compressed tar");
        await Refused([], AssetRefusal.Invalid, "empty");
    }

    [Fact]
    public async Task ReadAsync_HugeExtendedHeader_RefusedByTheDecompressedBudget()
    {
        // Header bytes are not file content; the decompressed-bytes budget still ends them.
        var archive = HostileTars.Tar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "a.txt",
            new Dictionary<string, string> { ["comment"] = new string('x', 60_000) }) { DataStream = new MemoryStream([1]) }));

        await Refused(archive, AssetRefusal.TooManyBytes, "decompresses to more than", new AssetLimits(1000, 10));
    }

    [Fact]
    public async Task ReadAsync_ExtendedHeaderOverTheMetadataBound_Refused()
    {
        var archive = HostileTars.Tar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "a.txt",
            new Dictionary<string, string> { ["comment"] = new string('x', 200_000) }) { DataStream = new MemoryStream([1]) }));

        await Refused(archive, AssetRefusal.Invalid, "metadata entry claims");
    }

    [Fact]
    public async Task ReadAsync_ExtendedHeaderClaimingAGibibyte_RefusedWithoutItsData()
    {
        // A PAX header block whose size field claims 1 GiB of attributes, and nothing after it.
        var header = new byte[512];
        void Put(int offset, string text) => Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        Put(0, "PaxHeaders/x");
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, "10000000000\0");
        Put(136, "00000000000\0");
        header[156] = (byte)'x';
        Put(257, "ustar\0");
        Put(263, "00");
        Put(148, "        ");
        Put(148, Convert.ToString(header.Sum(b => b), 8).PadLeft(6, '0') + "\0 ");

        // Over a MemoryStream every await completes at once, so this thread's count sees every allocation.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var refusal = await Assert.ThrowsAsync<AssetArchiveException>(() => Read(header));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AssetRefusal.Invalid, refusal.Reason);
        Assert.True(allocated < 64 << 20, $"allocated {allocated} bytes for a 512-byte archive");
    }
}
