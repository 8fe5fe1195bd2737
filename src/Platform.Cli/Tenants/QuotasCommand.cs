using System.CommandLine;
using Platform.Cli.Remote;

namespace Platform.Cli.Tenants;

/// <summary><c>platformctl quotas set TENANT [--max-fuel N ...]</c>: PUT /v1/tenants/TENANT/quotas (admin key).</summary>
internal static class QuotasCommand
{
    public static Command Create()
    {
        var tenant = new Argument<string>("TENANT") { Description = "The tenant's name." };
        var set = new Command(
            "set",
            "Replace a tenant's quota overrides: the quotas given are set, every other one follows the platform default "
            + "(no option at all resets the tenant to the defaults). Prints the effective quotas.")
        {
            tenant,
        };
        var quotas = QuotaOptions.AddTo(set);
        set.SetRemoteAction(TenantsCommand.Timeout, async (parse, call) =>
        {
            if (quotas.Problems(parse) is { Count: > 0 } problems) return await call.UsageAsync(problems);
            using var content = TenantsCommand.Json(writer => QuotaOptions.Write(writer, quotas.Given(parse)));
            var path = $"v1/tenants/{PlatformClient.Segment(parse.GetRequiredValue(tenant))}/quotas";
            return await call.PrintAsync(await call.CallAsync(HttpMethod.Put, path, content), TenantViews.WriteTenant);
        });

        return new Command("quotas", "Manage a tenant's quotas (admin key).") { set };
    }
}
