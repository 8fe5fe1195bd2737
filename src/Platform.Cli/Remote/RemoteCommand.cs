using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Platform.Cli.Remote;

/// <summary>
/// Wires a remote command: adds <c>--url</c>, <c>--api-key</c>, <c>--json</c> and
/// <c>--request-timeout</c>, and runs the action with a <see cref="RemoteCall"/>, turning every
/// failure into a message and its exit code (never a stack trace).
/// </summary>
internal static class RemoteCommand
{
    /// <param name="defaultTimeout">The deadline of the whole command; <see cref="Timeout.InfiniteTimeSpan"/> for one that runs until Ctrl-C.</param>
    public static void SetRemoteAction(this Command command, TimeSpan defaultTimeout, Func<ParseResult, RemoteCall, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(action);
        var options = RemoteOptions.AddTo(command);
        var requestTimeout = new Option<int?>("--request-timeout")
        {
            Description = defaultTimeout == Timeout.InfiniteTimeSpan
                ? "Give up on the platform after this many seconds (default: never; Ctrl-C stops)."
                : $"Give up on the platform after this many seconds (default: {defaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}).",
            HelpName = "SECONDS",
        };
        command.Options.Add(requestTimeout);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var (settings, problem) = options.Read(parse);
            var seconds = parse.GetValue(requestTimeout);
            if (seconds is <= 0) problem ??= "--request-timeout must be positive";
            if (settings is null || problem is not null)
            {
                await Console.Error.WriteLineAsync($"platformctl: {problem}");
                return ExitCodes.Usage;
            }

            var timeout = seconds is { } s ? TimeSpan.FromSeconds(s) : defaultTimeout;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await using var stdout = Console.OpenStandardOutput();
            var call = new RemoteCall(new PlatformClient(settings), stdout, Console.Error, deadline.Token);
            try
            {
                return await action(parse, call);
            }
            catch (RemoteException ex)
            {
                return await call.FailAsync(ex.Problem);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return await call.FailAsync(ApiProblem.Local(
                    "UNAVAILABLE",
                    $"no answer from {settings.BaseUrl} within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (see --request-timeout)"));
            }
            catch (JsonException ex)
            {
                return await call.FailAsync(ApiProblem.Local("UNEXPECTED_RESPONSE", $"the platform's answer is not the JSON this tool expects: {ex.Message}"));
            }
            catch (IOException ex)
            {
                // Our own stdout or a file went away (a closed pipe, say): nothing the platform did.
                await Console.Error.WriteLineAsync($"platformctl: {ex.Message}");
                return ExitCodes.Failure;
            }
            finally
            {
                try
                {
                    await call.FlushAsync();
                }
                catch (IOException)
                {
                    // stdout is closed; there is no one left to tell.
                }
            }
        });
    }
}
