using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary>Human views of the function API's JSON (FunctionVersionInfo, FunctionListResponse, FunctionDetails, FunctionAlias).</summary>
internal static class FunctionViews
{
    public static void WriteVersion(JsonElement version, TextWriter writer)
    {
        var table = Table.KeyValue()
            .Add("name", version.Text("name"))
            .Add("version", version.Text("version"))
            .Add("sha256", version.Text("sha256"))
            .Add("size", Size(version))
            .Add("created", version.Time("createdAt"));
        if (version.Member("config") is { } config) table.Add("config", Config(config));
        if (version.Member("preinit") is { ValueKind: JsonValueKind.Object } preinit) table.Add("preinit", Preinit(preinit));
        if (version.Member("assets") is { } assets) table.Add("assets", $"{assets.Text("sha256")} ({assets.Text("files")} files, {assets.Text("bytes")} bytes)");
        table.WriteTo(writer);
    }

    public static void WriteList(JsonElement list, TextWriter writer)
    {
        var table = new Table("NAME", "LATEST", "CREATED", "UPDATED");
        foreach (var function in list.Items("functions"))
            table.Add(function.Text("name"), function.Text("latestVersion"), function.Time("createdAt"), function.Time("updatedAt"));
        if (table.RowCount == 1) writer.WriteLine("No functions.");
        else table.WriteTo(writer);
    }

    public static void WriteDetails(JsonElement details, TextWriter writer)
    {
        Table.KeyValue()
            .Add("name", details.Text("name"))
            .Add("latest", details.Text("latestVersion"))
            .Add("created", details.Time("createdAt"))
            .Add("updated", details.Time("updatedAt"))
            .WriteTo(writer);
        if (details.Member("http") is { ValueKind: JsonValueKind.Object } http)
        {
            var urls = Table.KeyValue()
                .Add("http", http.Member("public") is { ValueKind: JsonValueKind.True } ? "public (no key needed)" : "key required (Authorization: Bearer)")
                .Add("url", http.Text("pathUrl"));
            if (http.Member("hostUrl") is { ValueKind: JsonValueKind.String } hostUrl) urls.Add("host url", hostUrl.GetString()!);
            foreach (var versionUrl in http.Items("versionUrls")) urls.Add("version url", versionUrl.GetString()!);
            urls.WriteTo(writer);
        }

        writer.WriteLine();

        var aliasesByVersion = new Dictionary<long, List<string>>();
        if (details.Member("aliases") is { ValueKind: JsonValueKind.Object } aliases)
        {
            foreach (var alias in aliases.EnumerateObject())
            {
                if (alias.Value.ValueKind != JsonValueKind.Number || !alias.Value.TryGetInt64(out var target)) continue;
                if (!aliasesByVersion.TryGetValue(target, out var names)) aliasesByVersion[target] = names = [];
                names.Add(alias.Name);
            }
        }

        var table = new Table("VERSION", "ALIASES", "SHA256", "SIZE", "CREATED", "CONFIG");
        foreach (var version in details.Items("versions"))
        {
            var names = version.Long("version") is { } number && aliasesByVersion.TryGetValue(number, out var found)
                ? string.Join(",", found.Order(StringComparer.Ordinal))
                : JsonElementExtensions.Missing;
            var sha = version.Text("sha256");
            table.Add(
                version.Text("version"),
                names,
                sha.Length > 12 ? sha[..12] : sha,
                Size(version),
                version.Time("createdAt"),
                version.Member("config") is { } config ? Config(config) : JsonElementExtensions.Missing);
        }

        table.WriteTo(writer);
    }

    public static void WriteAlias(JsonElement alias, TextWriter writer) =>
        writer.WriteLine($"{alias.Text("function")}@{alias.Text("name")} -> version {alias.Text("version")}");

    /// <summary>"fuel=1000 memoryMb=32 env=A,B args=2"; limits left to the tenant's quota are omitted; "-" when nothing is set.</summary>
    private static string Config(JsonElement config)
    {
        var parts = new List<string>();
        foreach (var limit in new[] { "fuel", "memoryMb", "timeoutMs" })
        {
            if (config.Member(limit) is { } value) parts.Add($"{limit}={value.GetRawText()}");
        }

        if (config.Member("env") is { ValueKind: JsonValueKind.Object } env && env.EnumerateObject().Any())
            parts.Add("env=" + string.Join(",", env.EnumerateObject().Select(p => p.Name)));
        if (config.Member("args") is { ValueKind: JsonValueKind.Array } args && args.GetArrayLength() > 0)
            parts.Add($"args={args.GetArrayLength()}");
        if (config.Member("http") is { ValueKind: JsonValueKind.Object } http)
            parts.Add(http.Member("public") is { ValueKind: JsonValueKind.True } ? "http=public" : "http=key");
        return parts.Count == 0 ? JsonElementExtensions.Missing : string.Join(" ", parts);
    }

    /// <summary>"snapshot 9f3c1a2b4c5d, 364.3 KiB, initialiser used 116,654,088 fuel", or "not run: the reason".</summary>
    internal static string Preinit(JsonElement preinit)
    {
        if (preinit.Member("ran") is not { ValueKind: JsonValueKind.True })
            return $"not run: {preinit.Text("reason")}";
        var sha = preinit.Text("sha256");
        var size = preinit.Long("sizeBytes") is { } bytes ? Units.Bytes(bytes) : JsonElementExtensions.Missing;
        var fuel = preinit.Long("fuelConsumed") is { } used ? Units.Number(used) : JsonElementExtensions.Missing;
        return $"snapshot {(sha.Length > 12 ? sha[..12] : sha)}, {size}, initialiser used {fuel} fuel";
    }

    private static string Size(JsonElement version) =>
        version.Long("sizeBytes") is { } bytes ? $"{Units.Bytes(bytes)} ({Units.Number(bytes)} bytes)" : JsonElementExtensions.Missing;
}
