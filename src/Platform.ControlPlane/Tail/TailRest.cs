using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.History;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Usage;

namespace Platform.ControlPlane.Tail;

/// <summary>
/// <c>GET /v1/invocations/stream?function=&amp;outcome=&amp;since=</c>: server-sent events, one
/// <c>invocation</c> event (the record as <c>GET /v1/invocations/{id}</c> shows it, <c>id:</c> its
/// invocation id) per invocation as it ends, and a <c>dropped</c> event
/// (<c>{"dropped": n}</c>, the total so far) when a slow reader lost some. A comment line opens
/// the stream once the tail is running.
/// </summary>
internal static class TailRest
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/invocations/stream", StreamAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Invocation history")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("Live tail: each new invocation of the tenant as it ends, as server-sent events (?function, ?outcome, ?since)");
    }

    private static async Task StreamAsync(HttpContext http, TailSlots slots, TailPoller poller, IOptions<TailOptions> options, TimeProvider time)
    {
        var caller = http.TenantCaller();
        var q = http.Request.Query;
        var query = HistoryQuery.Create(Single(q, "function"), Single(q, "outcome"), null, null);
        var since = UsageRest.Parse(q, "since") ?? time.GetUtcNow();
        using var slot = slots.Acquire(caller.TenantId);

        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        await response.WriteAsync(": tail open\n\n", http.RequestAborted);
        await response.Body.FlushAsync(http.RequestAborted);

        var feed = new TailFeed(options.Value.BufferedRecords);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var polling = poller.RunAsync(caller.TenantId, query, since, feed, stop.Token);
        long reported = 0;
        try
        {
            await foreach (var record in feed.Reader.ReadAllAsync(http.RequestAborted))
            {
                var dropped = feed.Dropped;
                if (dropped > reported)
                {
                    await response.WriteAsync($"event: dropped\ndata: {{\"dropped\":{dropped.ToString(CultureInfo.InvariantCulture)}}}\n\n", http.RequestAborted);
                    reported = dropped;
                }

                var json = JsonSerializer.Serialize(InvocationView.From(record), ApiJson.Options);
                await response.WriteAsync($"event: invocation\nid: {record.Id}\ndata: {json}\n\n", Encoding.UTF8, http.RequestAborted);
                await response.Body.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The reader went away: the normal end of a tail.
        }
        finally
        {
            await stop.CancelAsync();
            await polling;
        }
    }

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values)) return null;
        return values.Count == 1 ? values[0] : throw PlatformException.InvalidArgument(name, $"{name} may be given once");
    }
}
