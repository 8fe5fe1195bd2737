using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Tenants;

/// <summary>Human views of the tenant API's JSON (TenantResponse, CreatedTenantResponse, key and list responses).</summary>
internal static class TenantViews
{
    /// <summary>The quota names in the order of docs/control-plane.md's quota table.</summary>
    private static readonly string[] QuotaNames =
    [
        "maxFuel", "maxMemoryMb", "maxTimeoutMs", "maxModuleBytes", "maxFunctions",
        "invocationsPerSecond", "burst", "maxConcurrency", "maxInputBytes", "maxOutputBytes",
        "maxVersionsPerFunction", "maxAliasesPerFunction", "maxStoredBytes", "managementCallsPerSecond", "managementBurst",
    ];

    public static void WriteTenant(JsonElement tenant, TextWriter writer)
    {
        Table.KeyValue()
            .Add("name", tenant.Text("name"))
            .Add("id", tenant.Text("id"))
            .Add("created", tenant.Time("createdAt"))
            .WriteTo(writer);
        writer.WriteLine();
        WriteQuotas(tenant, writer);
    }

    public static void WriteCreated(JsonElement tenant, TextWriter writer)
    {
        Table.KeyValue()
            .Add("name", tenant.Text("name"))
            .Add("id", tenant.Text("id"))
            .Add("created", tenant.Time("createdAt"))
            .Add("apiKeyId", tenant.Text("apiKeyId"))
            .Add("apiKey", tenant.Text("apiKey"))
            .WriteTo(writer);
        writer.WriteLine();
        WriteQuotas(tenant, writer);
    }

    /// <summary>QUOTA / VALUE / SOURCE: the effective value and whether it is the tenant's override or the platform default.</summary>
    public static void WriteQuotas(JsonElement tenant, TextWriter writer)
    {
        var effective = tenant.Member("quotas");
        var overrides = tenant.Member("quotaOverrides");
        var table = new Table("QUOTA", "VALUE", "SOURCE");
        foreach (var name in QuotaNames)
        {
            var value = effective?.Text(name) ?? JsonElementExtensions.Missing;
            table.Add(name, value, overrides?.Member(name) is null ? "default" : "override");
        }

        table.WriteTo(writer);
    }

    public static void WriteList(JsonElement list, TextWriter writer)
    {
        var table = new Table("NAME", "ID", "CREATED", "OVERRIDES");
        foreach (var tenant in list.Items("tenants"))
        {
            var overrides = tenant.Member("quotaOverrides") is { ValueKind: JsonValueKind.Object } set
                ? string.Join(",", set.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).Select(p => $"{p.Name}={p.Value.GetRawText()}"))
                : "";
            table.Add(tenant.Text("name"), tenant.Text("id"), tenant.Time("createdAt"), overrides.Length == 0 ? JsonElementExtensions.Missing : overrides);
        }

        if (table.RowCount == 1) writer.WriteLine("No tenants.");
        else table.WriteTo(writer);
    }

    public static void WriteKey(JsonElement key, TextWriter writer) =>
        Table.KeyValue()
            .Add("id", key.Text("id"))
            .Add("prefix", key.Text("prefix"))
            .Add("created", key.Time("createdAt"))
            .Add("apiKey", key.Text("apiKey"))
            .WriteTo(writer);

    public static void WriteKeys(JsonElement list, TextWriter writer)
    {
        var table = new Table("ID", "PREFIX", "CREATED", "REVOKED");
        foreach (var key in list.Items("keys"))
            table.Add(key.Text("id"), key.Text("prefix"), key.Time("createdAt"), key.Time("revokedAt"));
        if (table.RowCount == 1) writer.WriteLine("No keys.");
        else table.WriteTo(writer);
    }
}
