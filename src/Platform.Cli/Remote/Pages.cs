using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Cli.Remote;

/// <summary>
/// Lists are paged by the platform (<c>limit</c>, <c>cursor</c>, <c>nextCursor</c>); a list
/// command follows the cursors and shows one document holding every item, as if unpaged.
/// </summary>
internal static class Pages
{
    /// <summary>The platform's largest page: the fewest round trips.</summary>
    public const int Limit = 200;

    private static readonly JsonSerializerOptions Output = new() { Encoder = RemoteCall.WriterOptions.Encoder };

    /// <summary>GETs <paramref name="path"/> page by page; returns the first page's document with <paramref name="member"/> holding the items of all pages and <c>nextCursor</c> null.</summary>
    public static async Task<byte[]> CallAllPagesAsync(this RemoteCall call, string path, string member)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonObject? first = null;
        var all = new JsonArray();
        string? cursor = null;
        do
        {
            var query = cursor is null ? $"limit={Limit}" : $"limit={Limit}&cursor={Uri.EscapeDataString(cursor)}";
            var body = await call.CallAsync(HttpMethod.Get, $"{path}?{query}");
            var page = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("a list page is not a JSON object");
            first ??= page;
            if (page[member] is JsonArray items)
            {
                foreach (var item in items.ToList())
                {
                    items.Remove(item);
                    all.Add(item);
                }
            }

            var next = page["nextCursor"];
            cursor = next is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
        }
        while (cursor is not null);

        first[member] = all;
        first["nextCursor"] = null;
        return Encoding.UTF8.GetBytes(first.ToJsonString(Output));
    }
}
