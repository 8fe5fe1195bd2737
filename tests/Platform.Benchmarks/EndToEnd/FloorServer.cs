using Platform.Testing.Processes;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Benchmarks.EndToEnd;

/// <summary>
/// The floor of any HTTP API on this machine: one Kestrel hop that echoes the request body
/// (read whole, written with a Content-Length, like the invoke endpoint answers). It runs as a
/// child process of the benchmark (this program with <see cref="Argument"/>), with server GC like
/// Platform.Server (a Web SDK project), logging at Warning, on 127.0.0.1 and a free port.
/// </summary>
internal static class FloorServer
{
    public const string Argument = "--floor-server";
    private const string ReadyPrefix = "FLOOR_URL ";

    /// <summary>The child's side: serve until SIGTERM.</summary>
    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/echo", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = buffer.Length;
            await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine(ReadyPrefix + address);
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The benchmark's side: starts the child and returns it with the echo URL.</summary>
    public static async Task<(ChildProcess Process, Uri Echo)> StartAsync()
    {
        var process = ChildProcess.Start(
            "floor",
            "dotnet",
            [typeof(FloorServer).Assembly.Location, Argument],
            new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" });
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith(ReadyPrefix, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            return (process, new Uri(new Uri(line[ReadyPrefix.Length..].Trim()), "/echo"));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
