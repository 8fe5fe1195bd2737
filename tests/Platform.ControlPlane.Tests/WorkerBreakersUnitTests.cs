using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.ControlPlane.Cluster;

namespace Platform.ControlPlane.Tests;

public sealed class WorkerBreakersUnitTests
{
    private static readonly RpcException Unreachable = new(new Status(StatusCode.Unavailable, "connection refused"));

    [Fact]
    public async Task A_worker_whose_break_ended_is_tried_again_and_closes_on_success()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var breakers = new WorkerBreakers(Options.Create(new ClusterOptions { BreakerBreakDuration = TimeSpan.FromSeconds(5) }), clock);
        for (var i = 0; i < 3; i++)
            await Assert.ThrowsAsync<RpcException>(() => breakers.ExecuteAsync<int>("w1", _ => throw Unreachable, CancellationToken.None).AsTask());
        Assert.True(breakers.IsOpen("w1"));

        // Nothing is attempted while it reads open; once the break has passed the router must see
        // it as callable (Polly itself only leaves Open when a call is attempted).
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.True(breakers.IsOpen("w1"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(breakers.IsOpen("w1"));

        Assert.Equal(7, await breakers.ExecuteAsync("w1", _ => ValueTask.FromResult(7), CancellationToken.None));
        Assert.False(breakers.IsOpen("w1"));
    }

    [Fact]
    public async Task A_failed_trial_after_the_break_opens_it_for_another_break()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var breakers = new WorkerBreakers(Options.Create(new ClusterOptions { BreakerBreakDuration = TimeSpan.FromSeconds(5) }), clock);
        for (var i = 0; i < 3; i++)
            await Assert.ThrowsAsync<RpcException>(() => breakers.ExecuteAsync<int>("w1", _ => throw Unreachable, CancellationToken.None).AsTask());
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(breakers.IsOpen("w1"));

        await Assert.ThrowsAsync<RpcException>(() => breakers.ExecuteAsync<int>("w1", _ => throw Unreachable, CancellationToken.None).AsTask());
        Assert.True(breakers.IsOpen("w1"));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(breakers.IsOpen("w1"));
    }

    [Fact]
    public async Task ExecuteAsync_RepeatedDeadlineExceeded_BreakerStaysClosed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var breakers = new WorkerBreakers(Options.Create(new ClusterOptions()), clock);
        var slow = new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
        for (var i = 0; i < 20; i++)
            await Assert.ThrowsAsync<RpcException>(() => breakers.ExecuteAsync<int>("w1", _ => throw slow, CancellationToken.None).AsTask());

        Assert.False(breakers.IsOpen("w1"));
        Assert.False(WorkerBreakers.IsTransportFailure(slow));
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.Internal)]
    public async Task ExecuteAsync_ConnectionFailuresAndCrashes_StillOpenTheBreaker(StatusCode code)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var breakers = new WorkerBreakers(Options.Create(new ClusterOptions()), clock);
        var failure = new RpcException(new Status(code, "connection reset"));
        for (var i = 0; i < 3; i++)
            await Assert.ThrowsAsync<RpcException>(() => breakers.ExecuteAsync<int>("w1", _ => throw failure, CancellationToken.None).AsTask());

        Assert.True(breakers.IsOpen("w1"));
    }
}
