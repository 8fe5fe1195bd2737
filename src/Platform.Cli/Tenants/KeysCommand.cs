using System.CommandLine;
using Platform.Cli.Remote;

namespace Platform.Cli.Tenants;

/// <summary><c>platformctl keys create|list|revoke</c>: a tenant's API keys (admin key).</summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var createTenant = new Argument<string>("TENANT") { Description = "The tenant's name." };
        var create = new Command("create", "Issue an API key for a tenant (shown once).") { createTenant };
        create.SetRemoteAction(TenantsCommand.Timeout, async (parse, call) =>
        {
            var path = $"v1/tenants/{PlatformClient.Segment(parse.GetRequiredValue(createTenant))}/keys";
            var exit = await call.PrintAsync(await call.CallAsync(HttpMethod.Post, path), TenantViews.WriteKey);
            if (!call.Json) await call.Error.WriteLineAsync("The API key is shown only once: store it now.");
            return exit;
        });

        var listTenant = new Argument<string>("TENANT") { Description = "The tenant's name." };
        var list = new Command("list", "List a tenant's keys (never their secrets).") { listTenant };
        list.SetRemoteAction(TenantsCommand.Timeout, async (parse, call) =>
            await call.PrintAsync(await call.CallAllPagesAsync($"v1/tenants/{PlatformClient.Segment(parse.GetRequiredValue(listTenant))}/keys", "keys"), TenantViews.WriteKeys));

        var revokeTenant = new Argument<string>("TENANT") { Description = "The tenant's name." };
        var keyId = new Argument<string>("KEY_ID") { Description = "The key's id (from keys create or keys list)." };
        var revoke = new Command("revoke", "Revoke a key: it stops working at once.") { revokeTenant, keyId };
        revoke.SetRemoteAction(TenantsCommand.Timeout, async (parse, call) =>
        {
            var tenant = parse.GetRequiredValue(revokeTenant);
            var id = parse.GetRequiredValue(keyId);
            await call.CallAsync(HttpMethod.Delete, $"v1/tenants/{PlatformClient.Segment(tenant)}/keys/{PlatformClient.Segment(id)}");
            if (!call.Json) await call.Out.WriteLineAsync($"Revoked key {id} of tenant {tenant}.");
            return ExitCodes.Ok;
        });

        return new Command("keys", "Manage a tenant's API keys (admin key).") { create, list, revoke };
    }
}
