using System.Globalization;
using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Paging;

/// <summary>
/// One page of a list as the caller asks for it: at most <see cref="Limit"/> items after the
/// (still opaque, not yet verified) <see cref="Cursor"/>. Every list of the API takes it.
/// </summary>
internal readonly record struct PageRequest(int Limit, string? Cursor)
{
    public const int DefaultLimit = 50;

    /// <summary>The documented largest page; a larger <c>limit</c> is refused rather than clamped, so a client never mistakes a short page for the end.</summary>
    public const int MaxLimit = 200;

    public static PageRequest First { get; } = new(DefaultLimit, null);

    /// <summary>From the query string: <c>?limit=N&amp;cursor=...</c>, both optional.</summary>
    public static PageRequest From(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limits))
        {
            if (limits.Count != 1 || !int.TryParse(limits[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit))
                throw BadLimit();
            limit = Check(limit);
        }

        string? cursor = null;
        if (query.TryGetValue("cursor", out var cursors))
        {
            if (cursors.Count != 1 || string.IsNullOrEmpty(cursors[0]))
                throw Cursors.Malformed();
            cursor = cursors[0];
        }

        return new PageRequest(limit, cursor);
    }

    /// <summary>From the protobuf <c>Page</c>: limit 0 is the default, an empty cursor the first page.</summary>
    public static PageRequest From(Contracts.V1.Page? page) => page is null
        ? First
        : new PageRequest(page.Limit == 0 ? DefaultLimit : Check(page.Limit), string.IsNullOrEmpty(page.Cursor) ? null : page.Cursor);

    private static int Check(int limit) => limit is >= 1 and <= MaxLimit ? limit : throw BadLimit();

    private static PlatformException BadLimit() =>
        PlatformException.InvalidArgument("limit", $"limit must be a whole number from 1 to {MaxLimit} (default {DefaultLimit})");
}

/// <summary>A page of a list and the cursor of the next one (null on the last page).</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

internal static class Pages
{
    /// <summary>A page from <paramref name="rows"/> fetched with one row more than <paramref name="limit"/>: that extra row says there is a next page.</summary>
    public static Page<TItem> From<TRow, TItem>(List<TRow> rows, int limit, Func<TRow, TItem> map, Func<TRow, string> cursorAfter) =>
        rows.Count > limit
            ? new Page<TItem>(rows.Take(limit).Select(map).ToList(), cursorAfter(rows[limit - 1]))
            : new Page<TItem>(rows.Select(map).ToList(), null);
}
