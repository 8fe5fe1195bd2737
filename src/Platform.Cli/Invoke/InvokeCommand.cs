using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using Platform.Cli.Remote;

namespace Platform.Cli.Invoke;

/// <summary>
/// <c>platformctl invoke NAME[@VERSION|@ALIAS]</c>: POST .../invoke with the input (--data,
/// --file, or stdin when it is redirected) and the function's output bytes on stdout.
/// </summary>
internal static class InvokeCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static Command Create()
    {
        var target = new Argument<string>("NAME[@VERSION|@ALIAS]") { Description = "The function, optionally pinned to a version or an alias (default: latest)." };
        var data = new Option<string?>("--data") { Description = "The input, as UTF-8 text.", HelpName = "TEXT" };
        var file = new Option<FileInfo?>("--file") { Description = "Read the input from a file.", HelpName = "F" };
        var command = new Command(
            "invoke",
            "Invoke a function: the input is --data, --file or stdin (when redirected; else empty); the output goes to stdout as it is. "
            + "On failure the function's logs and the code go to stderr and the exit code tells the outcome.")
        {
            target, data, file,
        };
        command.SetRemoteAction(Timeout, async (parse, call) =>
        {
            call.FailureReporter = problem => InvocationReport.FailAsync(call, problem);
            var parsed = InvokeTarget.Parse(parse.GetRequiredValue(target));
            var text = parse.GetValue(data);
            var path = parse.GetValue(file);
            var problems = new List<string>();
            if (parsed is null) problems.Add("expected NAME, NAME@VERSION or NAME@ALIAS");
            if (text is not null && path is not null) problems.Add("give the input with --data or --file, not both");
            if (problems.Count > 0) return await call.UsageAsync(problems);
            if (path is not null && !path.Exists)
                return await call.FailAsync(ApiProblem.Local("INVALID_ARGUMENT", $"{path.FullName}: no such file"));

            byte[] input = text is not null ? Encoding.UTF8.GetBytes(text)
                : path is not null ? await File.ReadAllBytesAsync(path.FullName, call.CancellationToken)
                : Console.IsInputRedirected ? await ReadAllAsync(Console.OpenStandardInput(), call.CancellationToken)
                : [];
            using var content = new ByteArrayContent(input);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

            using var response = await call.Client.SendAsync(HttpMethod.Post, parsed!.Value.Path, content, call.CancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var body = await call.Client.ReadBodyAsync(response, call.CancellationToken);
                throw new RemoteException(ApiProblem.FromResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body));
            }

            if (call.Json)
            {
                await InvocationReport.WriteOkJsonAsync(call, response.Headers, await call.Client.ReadBodyAsync(response, call.CancellationToken));
                return ExitCodes.Ok;
            }

            await using var output = await response.Content.ReadAsStreamAsync(call.CancellationToken);
            var buffer = new byte[64 * 1024];
            while (await ReadAsync(output, buffer, call.CancellationToken) is var read && read > 0)
                await call.WriteRawAsync(buffer.AsMemory(0, read));

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads the output; a connection that breaks part-way is UNAVAILABLE (a failing stdout is not).</summary>
    private static async Task<int> ReadAsync(Stream output, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await output.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new RemoteException(ApiProblem.Local("UNAVAILABLE", $"the connection broke while the output was arriving: {ex.Message}"), ex);
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
