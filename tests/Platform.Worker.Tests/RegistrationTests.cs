using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

public sealed class RegistrationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Start_RegistersItselfThenHeartbeats()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "3" });

        await Eventually.WaitForAsync(() => controlPlane.State.Heartbeats.Count >= 2, Wait, "two heartbeats");

        var registration = Assert.Single(controlPlane.State.Registrations);
        var status = await worker.StatusAsync();
        Assert.Equal(status.WorkerId, registration.WorkerId);
        Assert.StartsWith("worker-", registration.WorkerId, StringComparison.Ordinal);
        Assert.Equal(worker.Uri.ToString().TrimEnd('/'), registration.AdvertiseUrl);
        Assert.Equal(3, registration.Capacity);
        Assert.Empty(registration.Modules);
        Assert.All(controlPlane.State.Heartbeats, h => Assert.Equal(status.WorkerId, h.WorkerId));
        Assert.Empty(controlPlane.State.RejectedTokens);
    }

    [Fact]
    public async Task Start_WithAdvertiseUrlAndWorkerId_RegistersThem()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, settings: new Dictionary<string, string?>
        {
            ["WorkerAdvertiseUrl"] = "http://worker-7.internal:8090",
            ["WorkerId"] = "worker-seven",
        });

        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "a registration");

        var registration = Assert.Single(controlPlane.State.Registrations);
        Assert.Equal("worker-seven", registration.WorkerId);
        Assert.Equal("http://worker-7.internal:8090", registration.AdvertiseUrl);
    }

    [Fact]
    public async Task Restart_KeepsItsId_ServesFromDiskWithoutCompiling_AndFetchesWhatItLacks()
    {
        var cacheDir = TestWorker.NewCacheDir();
        try
        {
            await using var controlPlane = await FakeControlPlane.StartAsync();
            var pushed = Guest.FromWat(Wat.Hello);
            var uploadedWhileDown = Guest.FromWat(GuestWat.Writes("while-down"));

            string workerId;
            await using (var first = await TestWorker.StartAsync(controlPlane.Url, cacheDir))
            {
                await first.PushAsync(pushed);
                workerId = (await first.StatusAsync()).WorkerId;
                await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "the first registration");
            }

            // While the worker is down, a module is uploaded and assigned to it.
            controlPlane.State.Add(uploadedWhileDown);
            controlPlane.State.Assigned.Add(uploadedWhileDown.Sha256);
            controlPlane.State.Assigned.Add(pushed.Sha256);

            await using var second = await TestWorker.StartAsync(controlPlane.Url, cacheDir);
            await Eventually.WaitForAsync(() => controlPlane.State.Registrations.Count == 2, Wait, "the second registration");
            var registration = controlPlane.State.Registrations.Last();
            Assert.Equal(workerId, registration.WorkerId);
            Assert.Equal([pushed.Sha256], registration.Modules);

            // It fetches the assigned module it lacks, in the background, and only that one.
            await Eventually.WaitForAsync(async () => (await second.StatusAsync()).Modules.Count == 2, Wait, "the assigned module to be fetched");
            Assert.Equal(1, controlPlane.State.FetchCount(uploadedWhileDown.Sha256));
            Assert.Equal(0, controlPlane.State.FetchCount(pushed.Sha256));

            var result = await second.InvokeAsync(pushed);
            Assert.Equal(InvocationOutcome.Ok, result.Outcome);
            Assert.Equal("hello", result.Output.ToStringUtf8());
            Assert.Equal(workerId, result.WorkerId);
            var fetched = await second.InvokeAsync(uploadedWhileDown);
            Assert.Equal("while-down", fetched.Output.ToStringUtf8());

            var status = await second.StatusAsync();
            Assert.Equal(workerId, status.WorkerId);
            // Compiled: only the module fetched at registration; the pushed one came from disk.
            Assert.Equal(1, status.Compiles);
            Assert.True(status.CacheDiskHits >= 1);
        }
        finally
        {
            TestWorker.DeleteCacheDir(cacheDir);
        }
    }

    [Fact]
    public async Task Restart_WithNothingToFetch_InvokesWithoutAnyCompile()
    {
        var cacheDir = TestWorker.NewCacheDir();
        try
        {
            var guest = Guest.FromWat(Wat.Hello);
            await using (var first = await TestWorker.StartAsync(cacheDir: cacheDir))
            {
                await first.PushAsync(guest);
            }

            await using var second = await TestWorker.StartAsync(cacheDir: cacheDir);
            Assert.Equal("hello", (await second.InvokeAsync(guest)).Output.ToStringUtf8());
            var status = await second.StatusAsync();
            Assert.Equal(0, status.Compiles);
            Assert.Equal([guest.Sha256], status.Modules);
        }
        finally
        {
            TestWorker.DeleteCacheDir(cacheDir);
        }
    }

    [Fact]
    public async Task Start_ControlPlaneDown_ServesAndRegistersOnceItComesUp()
    {
        var port = FreePort.Next();
        await using var worker = await TestWorker.StartAsync($"http://127.0.0.1:{port}");
        var guest = Guest.FromWat(Wat.Hello);

        // Serving without a control plane.
        await worker.PushAsync(guest);
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest)).Outcome);
        await DropOneDialAsync(port);

        await using var controlPlane = await FakeControlPlane.StartAsync(port);
        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "the registration");
        await Eventually.WaitForAsync(() => !controlPlane.State.Heartbeats.IsEmpty, Wait, "a heartbeat");

        var registration = Assert.Single(controlPlane.State.Registrations);
        Assert.Equal([guest.Sha256], registration.Modules);
    }

    [Fact]
    public async Task Heartbeat_AnsweredUnknown_RegistersAgain()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);
        await Eventually.WaitForAsync(() => controlPlane.State.Heartbeats.Count >= 1, Wait, "a heartbeat");
        var guest = Guest.FromWat(Wat.Hello);
        await worker.PushAsync(guest);

        controlPlane.State.ForgetWorkers = true;
        await Eventually.WaitForAsync(() => controlPlane.State.Registrations.Count >= 2, Wait, "a second registration");

        var again = controlPlane.State.Registrations.Last();
        Assert.Equal(controlPlane.State.Registrations.First().WorkerId, again.WorkerId);
        Assert.Equal([guest.Sha256], again.Modules);
        var heartbeatsBefore = controlPlane.State.Heartbeats.Count;
        await Eventually.WaitForAsync(() => controlPlane.State.Heartbeats.Count > heartbeatsBefore, Wait, "heartbeats after re-registering");
    }

    [Fact]
    public async Task Heartbeat_ControlPlaneGoneAndBack_HeartbeatsResume()
    {
        var state = new ClusterState();
        var controlPlane = await FakeControlPlane.StartAsync(state: state);
        var port = controlPlane.Port;
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);
        await Eventually.WaitForAsync(() => state.Heartbeats.Count >= 1, Wait, "a heartbeat");

        await controlPlane.DisposeAsync();
        await DropOneDialAsync(port);
        await using var restarted = await FakeControlPlane.StartAsync(port, state);
        var before = state.Heartbeats.Count;

        await Eventually.WaitForAsync(() => state.Heartbeats.Count > before + 1, Wait, "heartbeats after the control plane came back");
        Assert.Single(state.Registrations);
    }

    /// <summary>Waits until the worker dials the control plane's <paramref name="port"/> while it is down, and drops that connection.</summary>
    private static async Task DropOneDialAsync(int port)
    {
        var down = new TcpListener(IPAddress.Loopback, port);
        down.Start();
        try
        {
            using var dial = await down.AcceptTcpClientAsync().Within();
        }
        finally
        {
            down.Stop();
        }
    }
}

public sealed class HeartbeatClockTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Heartbeat_FollowsTheInjectedTimeProvider()
    {
        var clock = new HeartbeatClock(Interval);
        await using var controlPlane = await FakeControlPlane.StartAsync();
        controlPlane.State.HeartbeatIntervalMs = (int)Interval.TotalMilliseconds;
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, configure: b =>
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(b.Services, clock));

        // Registered and waiting for the interval the control plane named, on the worker's clock: no heartbeat yet.
        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, TimeSpan.FromSeconds(15), "the registration");
        await Eventually.WaitForAsync(() => clock.Armed == 1, TimeSpan.FromSeconds(15), "the first heartbeat wait on the injected clock");
        Assert.Empty(controlPlane.State.Heartbeats);

        // A minute of the worker's clock brings one, and the worker waits for the next minute.
        clock.Advance(Interval);
        await Eventually.WaitForAsync(() => clock.Armed == 2, TimeSpan.FromSeconds(15), "the second heartbeat wait on the injected clock");
        Assert.Single(controlPlane.State.Heartbeats);
    }

    /// <summary>A fake clock that counts the timers armed for <paramref name="interval"/>: the worker's heartbeat waits.</summary>
    private sealed class HeartbeatClock(TimeSpan interval) : FakeTimeProvider(DateTimeOffset.UtcNow)
    {
        private int _armed;

        public int Armed => Volatile.Read(ref _armed);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime == interval)
                Interlocked.Increment(ref _armed);
            return timer;
        }
    }
}
