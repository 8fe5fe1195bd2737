using Microsoft.AspNetCore.Hosting;
using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

public sealed class InvokeTests
{
    private static InvocationLimits Limits(long fuel = 100_000_000, int memoryMb = 16, int timeoutMs = 5_000, int maxOutput = 1 << 20) =>
        new() { Fuel = fuel, MemoryMb = memoryMb, TimeoutMs = timeoutMs, MaxOutputBytes = maxOutput, MaxLogBytes = 64 << 10 };

    [Theory]
    [InlineData(InvocationOutcome.Ok)]
    [InlineData(InvocationOutcome.OutOfFuel)]
    [InlineData(InvocationOutcome.Timeout)]
    [InlineData(InvocationOutcome.MemoryLimit)]
    [InlineData(InvocationOutcome.Trap)]
    [InlineData(InvocationOutcome.ExitNonzero)]
    [InlineData(InvocationOutcome.OutputLimit)]
    public async Task Invoke_EachOutcome_SurfacesInTheResponse(InvocationOutcome outcome)
    {
        var (wat, limits) = outcome switch
        {
            InvocationOutcome.Ok => (Wat.Hello, Limits()),
            InvocationOutcome.OutOfFuel => (Wat.Spin, Limits(fuel: 100_000)),
            InvocationOutcome.Timeout => (Wat.Spin, Limits(fuel: 1_000_000_000_000, timeoutMs: 200)),
            InvocationOutcome.MemoryLimit => (Wat.MemoryBomb, Limits(memoryMb: 2)),
            InvocationOutcome.Trap => (Wat.Unreachable, Limits()),
            InvocationOutcome.ExitNonzero => (Wat.Exit(7), Limits()),
            InvocationOutcome.OutputLimit => (Wat.Flood, Limits(maxOutput: 10_000)),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
        };
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(wat);
        await worker.PushAsync(guest);

        var result = await worker.InvokeAsync(guest, limits: limits);

        Assert.Equal(outcome, result.Outcome);
        Assert.False(string.IsNullOrEmpty(result.WorkerId));
        Assert.True(result.DurationUs > 0);
        // A guest stopped by its timeout in a call-free loop reports no fuel: Wasmtime had not yet
        // written the loop's fuel count back to the store (a runtime matter, reported as is).
        if (outcome != InvocationOutcome.Timeout) Assert.True(result.FuelConsumed > 0, $"fuel consumed: {result.FuelConsumed}");
        switch (outcome)
        {
            case InvocationOutcome.Ok:
                Assert.Equal("hello", result.Output.ToStringUtf8());
                Assert.Empty(result.Message);
                break;
            case InvocationOutcome.OutOfFuel:
                Assert.Equal(100_000, result.FuelConsumed);
                break;
            case InvocationOutcome.Timeout:
                Assert.InRange(result.DurationUs, 150_000, 3_000_000);
                break;
            case InvocationOutcome.Trap:
                Assert.Contains("unreachable", result.Message, StringComparison.OrdinalIgnoreCase);
                break;
            case InvocationOutcome.ExitNonzero:
                Assert.Equal(7, result.ExitCode);
                break;
            case InvocationOutcome.OutputLimit:
                Assert.InRange(result.Output.Length, 1, 10_000);
                break;
        }

        if (outcome != InvocationOutcome.Ok) Assert.NotEmpty(result.Message);
    }

    [Fact]
    public async Task Invoke_FetchedBytesThatDoNotCompile_IsInvalidModuleOutcome()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var garbage = Guest.FromBytes("\0asm this is no module"u8.ToArray());
        controlPlane.State.Add(garbage);
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);

        var result = await worker.InvokeAsync(garbage);

        Assert.Equal(InvocationOutcome.InvalidModule, result.Outcome);
        Assert.NotEmpty(result.Message);
        Assert.Empty((await worker.StatusAsync()).Modules);
    }

    [Fact]
    public async Task Invoke_ModuleWithoutStart_IsInvalidModuleOutcome()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var noStart = Guest.FromWat(Wat.NoStart);
        controlPlane.State.Add(noStart);
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);

        var result = await worker.InvokeAsync(noStart);

        Assert.Equal(InvocationOutcome.InvalidModule, result.Outcome);
        Assert.Contains("_start", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_PlatformVariables_ReachTheGuestAndCannotBeOverridden()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.ArgsAndEnv);
        await worker.PushAsync(guest);

        var result = await worker.InvokeAsync(guest, edit: request =>
        {
            request.InvocationId = "inv-123";
            request.Args.Add("--greeting");
            request.Args.Add("hi there");
            request.Env["GREETING"] = "hello";
            request.Env["PLATFORM_TENANT"] = "evil";
            request.Env["PLATFORM_FUNCTION"] = "evil";
            request.Env["PLATFORM_VERSION"] = "999";
            request.Env["PLATFORM_INVOCATION_ID"] = "evil";
        });

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        var strings = result.Output.ToStringUtf8().Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["fn", "--greeting", "hi there", "GREETING=hello", "PLATFORM_TENANT=acme", "PLATFORM_FUNCTION=fn", "PLATFORM_VERSION=3", "PLATFORM_INVOCATION_ID=inv-123"],
            strings);
    }

    [Fact]
    public async Task Invoke_CHelloAndEnvGuests_Run()
    {
        await using var worker = await TestWorker.StartAsync();
        var hello = Guest.FromBytes(Platform.Testing.GuestModules.Bytes("hello"));
        var env = Guest.FromBytes(Platform.Testing.GuestModules.Bytes("env"));
        await worker.PushAsync(hello);
        await worker.PushAsync(env);

        var greeting = await worker.InvokeAsync(hello);
        var listing = await worker.InvokeAsync(env, edit: request => request.Env["PLATFORM_FUNCTION"] = "evil");

        Assert.Equal(InvocationOutcome.Ok, greeting.Outcome);
        Assert.Equal("Hello from Platform! (function fn)\n", greeting.Output.ToStringUtf8());
        Assert.Equal(InvocationOutcome.Ok, listing.Outcome);
        var lines = listing.Output.ToStringUtf8().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("arg[0]=fn", lines);
        Assert.Contains("PLATFORM_FUNCTION=fn", lines);
        Assert.DoesNotContain("PLATFORM_FUNCTION=evil", lines);
        Assert.Contains("PLATFORM_TENANT=acme", lines);
    }

    [Fact]
    public async Task Invoke_MissingModule_ConcurrentCallsShareOneFetchAndOneCompile()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        controlPlane.State.FetchDelay = TimeSpan.FromMilliseconds(300);
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "32" });

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => worker.InvokeAsync(guest, input: $"call {i}")));

        Assert.All(results, r => Assert.Equal(InvocationOutcome.Ok, r.Outcome));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"call {i}"), results.Select(r => r.Output.ToStringUtf8()));
        Assert.Equal(1, controlPlane.State.FetchCount(guest.Sha256));
        var status = await worker.StatusAsync();
        Assert.Equal(1, status.Compiles);
        Assert.Equal([guest.Sha256], status.Modules);

        // Later calls run from the cache.
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest, input: "again")).Outcome);
        Assert.Equal(1, controlPlane.State.FetchCount(guest.Sha256));
    }

    [Fact]
    public async Task Invoke_ModuleTheControlPlaneDoesNotHave_IsUnavailableQuickly()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);
        var unknown = Guest.FromWat(GuestWat.Writes("nowhere"));

        var watch = Stopwatch.StartNew();
        var ex = await RpcAssert.FailsAsync(() => worker.InvokeAsync(unknown), StatusCode.Unavailable, RefusalReason.ModuleUnavailable);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Contains(unknown.Sha256, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, controlPlane.State.FetchCount(unknown.Sha256));

        // A failure is not remembered: once the control plane has it, the next call fetches it.
        controlPlane.State.Add(unknown);
        var result = await worker.InvokeAsync(unknown);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("nowhere", result.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Invoke_ControlPlaneUnreachable_IsUnavailableQuickly()
    {
        await using var worker = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["ControlPlaneUrl"] = $"http://127.0.0.1:{FreePort.Next()}" });
        var watch = Stopwatch.StartNew();

        await RpcAssert.FailsAsync(() => worker.InvokeAsync(Guest.FromWat(Wat.Hello)), StatusCode.Unavailable, RefusalReason.ModuleUnavailable);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Invoke_BurstOfShortCallsOnAnIdleWorker_IsQueuedNotShed()
    {
        // One slot, so nearly the whole burst waits at once; a long queue timeout, so only the
        // default queue bound (not the machine's speed) decides whether a call is refused.
        await using var worker = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "1", ["QueueTimeout"] = "00:00:10" });
        var hello = Guest.FromWat(Wat.Hello);
        await worker.PushAsync(hello);

        var burst = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => worker.InvokeAsync(hello)));

        Assert.All(burst, r => Assert.Equal(InvocationOutcome.Ok, r.Outcome));
        Assert.Equal(0, (await worker.StatusAsync()).InFlight);
    }

    [Fact]
    public async Task Invoke_WhileEverySlotIsBusy_WaitsUpToTheQueueTimeoutForASlot()
    {
        var (worker, slow, hello) = await OneBusySlotAsync(slowMs: 300, new() { ["QueueTimeout"] = "00:00:05" });
        await using var _ = worker;

        var queued = worker.InvokeAsync(hello);

        Assert.Equal(InvocationOutcome.Timeout, (await slow).Outcome);
        Assert.Equal(InvocationOutcome.Ok, (await queued).Outcome);
    }

    [Fact]
    public async Task Invoke_WhileEverySlotIsBusyAndTheQueueIsFull_IsOverloadedAtOnce()
    {
        var (worker, slow, hello) = await OneBusySlotAsync(slowMs: 1_000, new() { ["QueueTimeout"] = "00:00:05", ["MaxQueuedInvocations"] = "0" });
        await using var _ = worker;

        var watch = Stopwatch.StartNew();
        await RpcAssert.FailsAsync(() => worker.InvokeAsync(hello), StatusCode.ResourceExhausted, RefusalReason.Overloaded);
        // Refused without waiting for the 5 s queue timeout (how much sooner depends on the machine's load).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the refusal took {watch.Elapsed}");
        Assert.Equal(InvocationOutcome.Timeout, (await slow).Outcome);
    }

    [Fact]
    public async Task Invoke_WhileEverySlotIsBusyPastTheQueueTimeout_IsOverloaded()
    {
        var (worker, slow, hello) = await OneBusySlotAsync(slowMs: 1_000, []);
        await using var _ = worker;

        // OVERLOADED itself says the call gave up after the default queue timeout instead of waiting for
        // the slot (a waiting call would have run once it freed); the round trip is not timed.
        await RpcAssert.FailsAsync(() => worker.InvokeAsync(hello), StatusCode.ResourceExhausted, RefusalReason.Overloaded);

        Assert.Equal(InvocationOutcome.Timeout, (await slow).Outcome);
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(hello)).Outcome);
        Assert.Equal(0, (await worker.StatusAsync()).InFlight);
    }

    /// <summary>A worker with one sandbox slot, taken by a loop that runs <paramref name="slowMs"/>; a hello pushed to try next.</summary>
    private static async Task<(TestWorker Worker, Task<WorkerInvokeResponse> Slow, Guest Hello)> OneBusySlotAsync(int slowMs, Dictionary<string, string?> settings)
    {
        settings["MaxConcurrentInvocations"] = "1";
        var worker = await TestWorker.StartAsync(settings: settings);
        try
        {
            var spin = Guest.FromWat(Wat.Spin);
            var hello = Guest.FromWat(Wat.Hello);
            await worker.PushAsync(spin);
            await worker.PushAsync(hello);
            var slow = worker.InvokeAsync(spin, limits: Limits(fuel: 1_000_000_000_000, timeoutMs: slowMs));
            await Eventually.WaitForAsync(async () => (await worker.StatusAsync()).InFlight == 1, TimeSpan.FromSeconds(10), "the slow invocation to start");
            return (worker, slow, hello);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Invoke_InputLargerThanKestrelsBodyLimit_IsAccepted()
    {
        // As in --role all, where the control plane sets a 1 MiB global limit.
        await using var worker = await TestWorker.StartAsync(configure: b => b.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 << 10));
        var echo = Guest.FromWat(Wat.Echo);
        await worker.PushAsync(echo);
        var input = new string('x', 512 << 10);

        var result = await worker.InvokeAsync(echo, input: input);

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(input.Length, result.Output.Length);
    }

    [Fact]
    public async Task Invoke_ShorterDeadlineThanTimeout_StopsTheSandboxByTheDeadline()
    {
        await using var worker = await TestWorker.StartAsync();
        var spin = Guest.FromWat(Wat.Spin);
        await worker.PushAsync(spin);
        var request = new WorkerInvokeRequest { Function = "fn", ModuleSha256 = spin.Sha256, Limits = Limits(fuel: 1_000_000_000_000, timeoutMs: 30_000) };

        var watch = Stopwatch.StartNew();
        try
        {
            // The sandbox's timeout is cut to the deadline: the answer is TIMEOUT, or the
            // deadline when the answer does not make it back in time.
            var result = await worker.Client.InvokeAsync(request, deadline: DateTime.UtcNow.AddMilliseconds(500)).ResponseAsync.WaitAsync(TestTimeouts.Default);
            Assert.Equal(InvocationOutcome.Timeout, result.Outcome);
            Assert.InRange(result.DurationUs, 300_000, 600_000);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
        }

        // The slot is free again long before the 30 s timeout.
        await Eventually.WaitForAsync(async () => (await worker.StatusAsync()).InFlight == 0, TimeSpan.FromSeconds(5), "the sandbox to stop");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("not-a-hash", "fn", 0)]
    [InlineData("", "fn", 0)]
    [InlineData(null, "", 0)]
    [InlineData(null, "fn", -1)]
    public async Task Invoke_InvalidRequest_IsInvalidArgument(string? sha256, string function, long fuel)
    {
        await using var worker = await TestWorker.StartAsync();
        var request = new WorkerInvokeRequest
        {
            ModuleSha256 = sha256 ?? Guest.FromWat(Wat.Hello).Sha256,
            Function = function,
            Limits = new InvocationLimits { Fuel = fuel },
        };

        await RpcAssert.FailsAsync(() => worker.Client.InvokeAsync(request, deadline: TestWorker.Deadline()).ResponseAsync, StatusCode.InvalidArgument, RefusalReason.InvalidArgument);
    }

    [Fact]
    public async Task Invoke_UnsetLimits_TakeThePlatformDefaults()
    {
        await using var worker = await TestWorker.StartAsync();
        var echo = Guest.FromWat(Wat.Echo);
        await worker.PushAsync(echo);

        var result = await worker.Client.InvokeAsync(
            new WorkerInvokeRequest { Function = "fn", ModuleSha256 = echo.Sha256, Input = ByteString.CopyFrom("abc", Encoding.UTF8) },
            deadline: TestWorker.Deadline()).ResponseAsync.WaitAsync(TestTimeouts.Default);

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("abc", result.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Evict_DropsTheModule_NextInvokeFetchesIt()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Hello);
        controlPlane.State.Add(guest);
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);
        await worker.PushAsync(guest);

        var evicted = await worker.Client.EvictAsync(new EvictRequest { Sha256 = guest.Sha256 }, deadline: TestWorker.Deadline()).ResponseAsync.WaitAsync(TestTimeouts.Default);
        var again = await worker.Client.EvictAsync(new EvictRequest { Sha256 = guest.Sha256 }, deadline: TestWorker.Deadline()).ResponseAsync.WaitAsync(TestTimeouts.Default);

        Assert.True(evicted.Evicted);
        Assert.False(again.Evicted);
        Assert.Empty((await worker.StatusAsync()).Modules);
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest)).Outcome);
        Assert.Equal(1, controlPlane.State.FetchCount(guest.Sha256));
        Assert.Equal(2, (await worker.StatusAsync()).Compiles);
    }

    [Fact]
    public async Task Invoke_AskedToRecord_AnswersWhatTheHostServedWithTheExactArgsEnvAndLimits()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Platform.Testing.ReplayWat.Exit);
        await worker.PushAsync(guest);

        var plain = await worker.InvokeAsync(guest);
        var recorded = await worker.InvokeAsync(guest, edit: r =>
        {
            r.Record = true;
            r.Args.Add("--flag");
            r.Env["MODE"] = "x";
        });

        Assert.Null(plain.Recording);
        Assert.Equal(InvocationOutcome.ExitNonzero, recorded.Outcome);
        var recording = recorded.Recording;
        Assert.NotNull(recording);
        Assert.Single(recording.Clocks);
        Assert.Equal(8, recording.Random.Length);
        Assert.Equal(["fn", "--flag"], recording.Args);
        Assert.Equal("MODE=x", recording.Env[0]);
        Assert.Contains("PLATFORM_VERSION=3", recording.Env);
        Assert.Equal((100_000_000L, 16, 1 << 20, 64 << 10), (recording.Limits.Fuel, recording.Limits.MemoryMb, recording.Limits.MaxOutputBytes, recording.Limits.MaxLogBytes));
        // The exit code is x + 1, x = (clock ^ random) & 0xFF: what was served decides it.
        var x = (int)((recording.Clocks[0] ^ BitConverter.ToInt64(recording.Random.Span)) & 0xFF);
        Assert.Equal(x + 1, recorded.ExitCode);
    }
}
