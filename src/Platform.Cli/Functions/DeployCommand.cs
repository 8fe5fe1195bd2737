using System.CommandLine;
using System.Net.Http.Headers;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary><c>platformctl deploy NAME FILE</c>: uploads the next version of a function (PUT /v1/functions/NAME).</summary>
internal static class DeployCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(100);

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The function's name." };
        var file = new Argument<FileInfo>("FILE") { Description = "The module: a .wasm binary, or .wat text." };
        var env = new Option<string[]>("--env") { Description = "An environment variable K=V for the function (repeatable).", HelpName = "K=V" };
        var arg = new Option<string[]>("--arg") { Description = "An argument for the function (repeatable).", HelpName = "A", AllowMultipleArgumentsPerToken = false };
        var fuel = new Option<long?>("--fuel") { Description = "Fuel per invocation (default: the tenant's quota).", HelpName = "N" };
        var memory = new Option<int?>("--memory-mb") { Description = "Memory per invocation, MiB (default: the tenant's quota).", HelpName = "M" };
        var timeout = new Option<int?>("--timeout-ms") { Description = "Wall-clock limit per invocation, ms (default: the tenant's quota).", HelpName = "T" };
        var http = new Option<bool>("--http") { Description = "Serve HTTP at the function's URLs (CGI); callers need the tenant's key." };
        var httpPublic = new Option<bool>("--http-public") { Description = "Serve HTTP at the function's URLs (CGI) to anyone, without a key." };
        var assets = new Option<DirectoryInfo?>("--assets") { Description = "A directory whose files the function reads (read-only, mounted as /).", HelpName = "DIR" };
        var scratch = new Option<long?>("--scratch-bytes") { Description = "A writable /tmp of at most N bytes for each invocation (default: none).", HelpName = "N" };

        var noPreinit = new Option<bool>("--no-preinit") { Description = "Run the module as uploaded even when it exports wizer.initialize (no snapshot at deploy)." };

        var command = new Command("deploy", "Deploy the next version of a function; prints its name, version, sha256 and size. The alias 'latest' moves to it.")
        {
            name, file, env, arg, fuel, memory, timeout, http, httpPublic, noPreinit, assets, scratch,
        };
        command.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var settings = new DeploySettings(
                parse.GetRequiredValue(name),
                parse.GetRequiredValue(file),
                parse.GetValue(env) ?? [],
                parse.GetValue(arg) ?? [],
                parse.GetValue(fuel),
                parse.GetValue(memory),
                parse.GetValue(timeout),
                parse.GetValue(httpPublic) ? true : parse.GetValue(http) ? false : null,
                parse.GetValue(noPreinit),
                parse.GetValue(assets),
                parse.GetValue(scratch));
            var problems = settings.Problems();
            if (parse.GetValue(http) && parse.GetValue(httpPublic)) problems = [.. problems, "--http and --http-public exclude each other: key-protected or public"];
            if (problems.Count > 0) return await call.UsageAsync(problems);
            if (!settings.File.Exists)
                return await call.FailAsync(ApiProblem.Local("INVALID_ARGUMENT", $"{settings.File.FullName}: no such file"));
            if (settings.Assets is { Exists: false } missing)
                return await call.FailAsync(ApiProblem.Local("INVALID_ARGUMENT", $"{missing.FullName}: no such directory"));
            byte[]? archive;
            try
            {
                archive = settings.Assets is null ? null : AssetDirectory.Pack(settings.Assets);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                return await call.FailAsync(ApiProblem.Local("INVALID_ARGUMENT", $"--assets: {ex.Message}"));
            }

            var progress = UploadProgress.For(call.Error, settings.File, call.Json);
            using var content = Content(settings, progress, archive);
            byte[] body;
            try
            {
                body = await call.CallAsync(HttpMethod.Put, $"v1/functions/{PlatformClient.Segment(settings.Name)}", content);
            }
            finally
            {
                progress?.Complete();
            }

            return await call.PrintAsync(body, FunctionViews.WriteVersion);
        });
        return command;
    }

    /// <summary>The body: the module alone (application/wasm or text/plain), or multipart 'module' + 'config' (when any config option is given) + 'assets' (a .tar.gz).</summary>
    internal static HttpContent Content(DeploySettings settings, UploadProgress? progress, byte[]? assets = null)
    {
        var module = new FileUploadContent(settings.File, progress is null ? null : progress.Report);
        module.Headers.ContentType = settings.IsWat
            ? new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" }
            : new MediaTypeHeaderValue("application/wasm");
        if (!settings.HasConfig && assets is null) return module;

        var form = new MultipartFormDataContent { { module, "module", settings.File.Name } };
        if (settings.HasConfig)
        {
            var config = new ByteArrayContent(settings.ConfigJson());
            config.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            form.Add(config, "config");
        }

        if (assets is not null)
        {
            var archive = new ByteArrayContent(assets);
            archive.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
            form.Add(archive, "assets", "assets.tar.gz");
        }

        return form;
    }
}
