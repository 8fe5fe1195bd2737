using System.Globalization;
using System.Text.Json;

namespace Platform.Cli.Remote;

/// <summary>Lenient reads of the server's JSON for tables: a missing member shows as "-", never a crash.</summary>
internal static class JsonElementExtensions
{
    public const string Missing = "-";

    public static JsonElement? Member(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? String(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>A member as table text: strings as they are, numbers and booleans in JSON form, "-" when absent.</summary>
    public static string Text(this JsonElement element, string name) => element.Member(name) switch
    {
        null => Missing,
        { ValueKind: JsonValueKind.String } value => value.GetString() ?? Missing,
        { ValueKind: JsonValueKind.True } => "true",
        { ValueKind: JsonValueKind.False } => "false",
        { } value => value.GetRawText(),
    };

    public static long? Long(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number) ? number : null;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>A timestamp member as <c>2025-01-31 12:00:00Z</c> (UTC), "-" when absent.</summary>
    public static string Time(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.String } value && value.TryGetDateTimeOffset(out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : Missing;
}
