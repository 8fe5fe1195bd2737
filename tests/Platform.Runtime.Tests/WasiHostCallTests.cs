using Platform.Runtime.Wasi;

namespace Platform.Runtime.Tests;

/// <summary>Every WASI host call does bounded work, pays fuel for it and stops at the deadline.</summary>
public sealed class WasiHostCallTests : IDisposable
{
    private const int MiB = 1 << 20;
    private static readonly InvocationLimits AmpleFuel = InvocationLimits.Default with { Fuel = long.MaxValue / 2 };

    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>The errno a guest ended with through proc_exit (0 is an OK outcome).</summary>
    private static int Errno(InvocationResult result)
    {
        Assert.True(result.Outcome is Outcome.Ok or Outcome.ExitNonzero, $"{result.Outcome}: {result.Message}");
        return result.ExitCode!.Value;
    }

    [Theory]
    [InlineData("fd_write", 1)]
    [InlineData("fd_read", 0)]
    public void IovecCall_AtIovMax_Succeeds(string call, int fd)
    {
        var result = _sandbox.Run(WasiWat.IovecCall(call, fd, HostCallLimits.MaxIovecs));

        Assert.Equal(0, Errno(result));
    }

    [Theory]
    [InlineData("fd_write", 1)]
    [InlineData("fd_read", 0)]
    public void IovecCall_MoreThanIovMax_ReturnsEinval(string call, int fd)
    {
        var result = _sandbox.Run(WasiWat.IovecCall(call, fd, HostCallLimits.MaxIovecs + 1));

        Assert.Equal(28, Errno(result));
    }

    [Fact]
    public void FdWrite_MoreThanTheByteLimit_WritesShortAtTheLimit()
    {
        var limits = InvocationLimits.Default with { MaxOutputBytes = 4 * MiB };

        var result = _sandbox.Run(WasiWat.WriteOnce(2 * MiB), limits: limits);

        Assert.Equal(0, Errno(result));
        Assert.Equal(HostCallLimits.MaxBytesPerCall, result.Output.Length);
    }

    [Fact]
    public void FdRead_MoreThanTheByteLimit_ReadsShortAtTheLimit()
    {
        var input = new string('x', (3 * MiB) / 2);

        var result = _sandbox.Run(WasiWat.ReadOnceAndEcho(2 * MiB), input, InvocationLimits.Default with { MaxOutputBytes = 4 * MiB });

        Assert.Equal(0, Errno(result));
        Assert.Equal(HostCallLimits.MaxBytesPerCall, result.Output.Length);
    }

    [Fact]
    public void RandomGet_AtTheByteLimit_Succeeds()
    {
        Assert.Equal(0, Errno(_sandbox.Run(WasiWat.Random(HostCallLimits.MaxBytesPerCall))));
    }

    [Fact]
    public void RandomGet_PastTheByteLimit_ReturnsEinval()
    {
        Assert.Equal(28, Errno(_sandbox.Run(WasiWat.Random(HostCallLimits.MaxBytesPerCall + 1))));
    }

    [Fact]
    public void RandomGet_OverAllMemory_ReturnsEinvalWithoutWork()
    {
        var result = _sandbox.Run(WasiWat.Random(64 * WasiWat.PageBytes));

        Assert.Equal(28, Errno(result));
        Assert.InRange(result.FuelConsumed, 1, 10_000);
    }

    [Fact]
    public void FdWrite_FuelGrowsWithBytesWritten()
    {
        var none = _sandbox.Run(WasiWat.WriteOnce(0));
        var full = _sandbox.Run(WasiWat.WriteOnce(MiB));

        Assert.Equal(0, Errno(full));
        Assert.Equal(MiB, full.Output.Length);
        Assert.Equal(MiB / HostCallLimits.BytesPerFuel, full.FuelConsumed - none.FuelConsumed);
    }

    [Fact]
    public void FdWrite_FuelGrowsWithIovecs()
    {
        var one = _sandbox.Run(WasiWat.WriteOnce(0, iovecs: 1));
        var many = _sandbox.Run(WasiWat.WriteOnce(0, iovecs: HostCallLimits.MaxIovecs));

        Assert.Equal(0, Errno(many));
        Assert.Equal((HostCallLimits.MaxIovecs - 1) * HostCallLimits.FuelPerItem, many.FuelConsumed - one.FuelConsumed);
    }

    [Fact]
    public void FdRead_FuelGrowsWithBytesRead()
    {
        var limits = InvocationLimits.Default with { MaxOutputBytes = 2 * MiB };
        var none = _sandbox.Run(WasiWat.ReadOnceAndEcho(MiB), "", limits);
        var full = _sandbox.Run(WasiWat.ReadOnceAndEcho(MiB), new string('x', MiB), limits);

        Assert.Equal(MiB, full.Output.Length);

        // The bytes are paid twice: once read, once written back.
        Assert.Equal(2 * (MiB / HostCallLimits.BytesPerFuel), full.FuelConsumed - none.FuelConsumed);
    }

    [Fact]
    public void RandomGet_OverAllMemoryInChunks_CostsFuelProportionalToBytes()
    {
        const int Chunks = 16;
        var empty = _sandbox.Run(WasiWat.Random(0, calls: Chunks));
        var full = _sandbox.Run(WasiWat.Random(MiB, calls: Chunks, pages: Chunks * MiB / WasiWat.PageBytes));

        Assert.Equal(0, Errno(full));
        Assert.Equal(Chunks * MiB / HostCallLimits.BytesPerFuel, full.FuelConsumed - empty.FuelConsumed);
    }

    [Fact]
    public void FdWrite_FuelTooLowForTheBytes_EndsOutOfFuel()
    {
        var limits = InvocationLimits.Default with { Fuel = 50_000 };

        var result = _sandbox.Run(WasiWat.WriteOnce(MiB), limits: limits);

        Assert.Equal(Outcome.OutOfFuel, result.Outcome);
        Assert.Equal(50_000, result.FuelConsumed);
        Assert.True(result.Output.IsEmpty);
    }

    [Theory]
    [InlineData("fd_write", 1, 1024)]
    [InlineData("fd_write", 1, 16384)]
    [InlineData("fd_read", 0, 1024)]
    [InlineData("fd_read", 0, 16384)]
    public void IovecFlood_AnyMemorySize_TimesOutAtTheDeadline(string call, int fd, int pages)
    {
        var limits = AmpleFuel with { TimeoutMs = 100, MemoryMb = pages / 16 };

        var result = _sandbox.Run(WasiWat.IovecFlood(call, fd, pages), limits: limits);

        // The guarantee is the upper bound: the epoch that ends it may tick a little before 100 ms.
        Assert.Equal(Outcome.Timeout, result.Outcome);
        Assert.InRange(result.Duration.TotalMilliseconds, 0, 100 + 1_000);
    }

    [Fact]
    public void SchedYield_ReturnsSuccess()
    {
        Assert.Equal(0, Errno(_sandbox.Run(WasiWat.CallAndExit("sched_yield", "(result i32)", ""))));
    }

    [Theory]
    [InlineData("sock_shutdown", "(param i32 i32) (result i32)", "(i32.const 0) (i32.const 2)", 57)]
    [InlineData("sock_shutdown", "(param i32 i32) (result i32)", "(i32.const 9) (i32.const 2)", 8)]
    [InlineData("sock_accept", "(param i32 i32 i32) (result i32)", "(i32.const 1) (i32.const 0) (i32.const 0)", 57)]
    [InlineData("sock_accept", "(param i32 i32 i32) (result i32)", "(i32.const 3) (i32.const 0) (i32.const 0)", 8)]
    [InlineData("sock_recv", "(param i32 i32 i32 i32 i32 i32) (result i32)", "(i32.const 2) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)", 57)]
    [InlineData("sock_send", "(param i32 i32 i32 i32 i32) (result i32)", "(i32.const 100) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)", 8)]
    [InlineData("fd_seek", "(param i32 i64 i32 i32) (result i32)", "(i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0)", 70)]
    [InlineData("fd_seek", "(param i32 i64 i32 i32) (result i32)", "(i32.const 5) (i64.const 0) (i32.const 0) (i32.const 0)", 8)]
    [InlineData("fd_close", "(param i32) (result i32)", "(i32.const 4)", 8)]
    [InlineData("fd_prestat_get", "(param i32 i32) (result i32)", "(i32.const 3) (i32.const 0)", 8)]
    [InlineData("fd_readdir", "(param i32 i32 i32 i64 i32) (result i32)", "(i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i32.const 0)", 54)]
    [InlineData("fd_sync", "(param i32) (result i32)", "(i32.const 1)", 28)]
    [InlineData("path_open", "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)", "(i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)", 8)]
    [InlineData("fd_write", "(param i32 i32 i32 i32) (result i32)", "(i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)", 8)]
    [InlineData("fd_read", "(param i32 i32 i32 i32) (result i32)", "(i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)", 8)]
    [InlineData("path_open", "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)", "(i32.const 1) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)", 54)]
    [InlineData("path_create_directory", "(param i32 i32 i32) (result i32)", "(i32.const 7) (i32.const 0) (i32.const 1)", 8)]
    [InlineData("fd_renumber", "(param i32 i32) (result i32)", "(i32.const 1) (i32.const 9)", 8)]
    [InlineData("fd_renumber", "(param i32 i32) (result i32)", "(i32.const 0) (i32.const 2)", 0)]
    [InlineData("fd_close", "(param i32) (result i32)", "(i32.const 0)", 0)]
    [InlineData("fd_fdstat_set_rights", "(param i32 i64 i64) (result i32)", "(i32.const 1) (i64.const 0) (i64.const 0)", 58)]
    [InlineData("fd_allocate", "(param i32 i64 i64) (result i32)", "(i32.const 2) (i64.const 0) (i64.const 1)", 70)]
    public void FdAndSocketCalls_BadOrNonSocketFd_ReturnPosixErrno(string function, string signature, string arguments, int errno)
    {
        Assert.Equal(errno, Errno(_sandbox.Run(WasiWat.CallAndExit(function, signature, arguments))));
    }
}
