using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Tenants;

/// <summary><c>platformctl tenants create|list|get|delete</c> (admin key).</summary>
internal static class TenantsCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var createName = new Argument<string>("NAME") { Description = "The tenant's name." };
        var create = new Command("create", "Create a tenant with its first API key (shown once) and optional quota overrides.") { createName };
        var quotas = QuotaOptions.AddTo(create);
        create.SetRemoteAction(Timeout, async (parse, call) =>
        {
            if (quotas.Problems(parse) is { Count: > 0 } problems) return await call.UsageAsync(problems);
            var given = quotas.Given(parse);
            using var content = Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("name", parse.GetRequiredValue(createName));
                if (given.Count > 0)
                {
                    writer.WritePropertyName("quotas");
                    QuotaOptions.Write(writer, given);
                }

                writer.WriteEndObject();
            });
            var exit = await call.PrintAsync(await call.CallAsync(HttpMethod.Post, "v1/tenants", content), TenantViews.WriteCreated);
            if (!call.Json) await call.Error.WriteLineAsync("The API key is shown only once: store it now.");
            return exit;
        });

        var list = new Command("list", "List tenants.");
        list.SetRemoteAction(Timeout, async (_, call) =>
            await call.PrintAsync(await call.CallAllPagesAsync("v1/tenants", "tenants"), TenantViews.WriteList));

        var getName = new Argument<string>("NAME") { Description = "The tenant's name." };
        var get = new Command("get", "Show a tenant and its effective quotas.") { getName };
        get.SetRemoteAction(Timeout, async (parse, call) =>
            await call.PrintAsync(await call.CallAsync(HttpMethod.Get, $"v1/tenants/{PlatformClient.Segment(parse.GetRequiredValue(getName))}"), TenantViews.WriteTenant));

        var deleteName = new Argument<string>("NAME") { Description = "The tenant's name." };
        var delete = new Command("delete", "Delete a tenant with its functions and keys.") { deleteName };
        delete.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var name = parse.GetRequiredValue(deleteName);
            await call.CallAsync(HttpMethod.Delete, $"v1/tenants/{PlatformClient.Segment(name)}");
            if (!call.Json) await call.Out.WriteLineAsync($"Deleted tenant {name}.");
            return ExitCodes.Ok;
        });

        return new Command("tenants", "Manage tenants (admin key).") { create, list, get, delete };
    }

    /// <summary>A JSON request body.</summary>
    internal static ByteArrayContent Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, RemoteCall.WriterOptions)) write(writer);
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new("application/json");
        return content;
    }
}
