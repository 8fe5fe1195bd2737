using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Testing.Processes;

namespace Platform.Testing.Faults;

/// <summary>
/// Open-loop load: invocations sent at a fixed rate whatever the answers, so a fault shows as
/// failures and latency instead of slowing the sender down. Bounded in time (the run's duration,
/// then at most the client timeout for the last requests) and in count (rate × duration; at most
/// <c>maxInFlight</c> outstanding, beyond which a request is recorded as <c>not-sent</c>).
/// Each request carries its own input and checks that the output echoes it.
/// </summary>
public static class SteadyLoad
{
    public static async Task<IReadOnlyList<Sample>> RunAsync(
        PlatformApi api, string function, double perSecond, TimeSpan duration, TimeSpan clientTimeout, int maxInFlight = 256, bool checkEcho = true)
    {
        var samples = new ConcurrentBag<Sample>();
        var requests = new List<Task>();
        using var gate = new SemaphoreSlim(maxInFlight);
        var started = Stopwatch.GetTimestamp();
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        for (var i = 0; interval * i < duration; i++)
        {
            var due = interval * i;
            var wait = due - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            if (!gate.Wait(0))
            {
                samples.Add(new Sample(i, due, TimeSpan.Zero, 0, null, null, "not-sent"));
                continue;
            }

            requests.Add(SendAsync(api, function, i, Stopwatch.GetElapsedTime(started), clientTimeout, checkEcho, samples, gate));
        }

        await Task.WhenAll(requests);
        return [.. samples.OrderBy(s => s.Sequence)];
    }

    /// <summary>One invocation, measured; never throws.</summary>
    public static async Task<Sample> InvokeAsync(PlatformApi api, string function, int sequence, TimeSpan sentAt, TimeSpan clientTimeout, bool checkEcho = true)
    {
        var input = $"request-{sequence}";
        using var cts = new CancellationTokenSource(clientTimeout);
        var began = Stopwatch.GetTimestamp();
        try
        {
            var answer = await api.InvokeAsync(function, input, cts.Token);
            var wrong = checkEcho && answer.Status == HttpStatusCode.OK && answer.Body != input;
            return new Sample(sequence, sentAt, Stopwatch.GetElapsedTime(began), (int)answer.Status, answer.Code, answer.Worker, wrong ? "wrong-output" : null)
            {
                Detail = answer.Status == HttpStatusCode.OK ? null : Problem.Detail(answer.Body),
            };
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return new Sample(sequence, sentAt, Stopwatch.GetElapsedTime(began), 0, null, null, "client-timeout");
        }
        catch (HttpRequestException ex)
        {
            return new Sample(sequence, sentAt, Stopwatch.GetElapsedTime(began), 0, null, null, ex.HttpRequestError.ToString());
        }
        catch (IOException)
        {
            return new Sample(sequence, sentAt, Stopwatch.GetElapsedTime(began), 0, null, null, "ResponseEnded");
        }
    }

    private static async Task SendAsync(PlatformApi api, string function, int sequence, TimeSpan sentAt, TimeSpan clientTimeout, bool checkEcho, ConcurrentBag<Sample> samples, SemaphoreSlim gate)
    {
        try
        {
            samples.Add(await InvokeAsync(api, function, sequence, sentAt, clientTimeout, checkEcho));
        }
        finally
        {
            gate.Release();
        }
    }

    private static class Problem
    {
        /// <summary>The <c>detail</c> of a problem document (for reports), or null.</summary>
        public static string? Detail(string body)
        {
            try
            {
                return body.StartsWith('{') ? JsonNode.Parse(body)?["detail"]?.GetValue<string>() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
