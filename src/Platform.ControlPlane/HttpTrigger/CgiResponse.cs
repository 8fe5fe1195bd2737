using System.Globalization;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>
/// A function's CGI response (stdout): header lines, a blank line, the body. <c>Status: CODE [reason]</c>
/// sets the status, <c>Location</c> without a status means 302, and a response needs at least one of
/// <c>Content-Type</c>, <c>Location</c> and <c>Status</c>. CRs before a line's LF are ignored; output
/// that ends after a header line and without a blank line has an empty body. Headers the function
/// may not set (hop-by-hop, <c>Content-Length</c>, <c>Platform-*</c>, and <c>Set-Cookie</c> on the
/// shared origin of the path form) are dropped, not refused.
/// </summary>
internal sealed record CgiResponse(int Status, string? Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body)
{
    public const int MaxLineBytes = 8 * 1024;
    public const int MaxHeaderBlockBytes = 64 * 1024;
    public const int MaxHeaders = 100;

    private const string StatusHeader = "Status";
    private const string PlatformPrefix = "Platform-";

    public static bool TryParse(ReadOnlyMemory<byte> output, bool sharedOrigin, out CgiResponse? response, out string? error)
    {
        response = null;
        var span = output.Span;
        var headers = new List<KeyValuePair<string, string>>();
        int? status = null;
        string? reason = null;
        bool contentType = false, location = false;
        var position = 0;
        var lineNumber = 0;
        while (true)
        {
            if (position == span.Length)
                break;
            var remaining = span[position..];
            var newline = remaining[..Math.Min(remaining.Length, MaxLineBytes + 2)].IndexOf((byte)'\n');
            if (newline < 0)
            {
                error = remaining.Length > MaxLineBytes
                    ? $"header line {lineNumber + 1} is longer than {MaxLineBytes} bytes"
                    : "the output does not end its header lines with a newline and a blank line";
                return false;
            }

            var line = remaining[..newline];
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            position += newline + 1;
            lineNumber++;
            if (line.Length == 0)
                break;
            if (line.Length > MaxLineBytes)
            {
                error = $"header line {lineNumber} is longer than {MaxLineBytes} bytes";
                return false;
            }

            if (position > MaxHeaderBlockBytes)
            {
                error = $"the header block is larger than {MaxHeaderBlockBytes} bytes";
                return false;
            }

            if (lineNumber > MaxHeaders)
            {
                error = $"more than {MaxHeaders} header lines";
                return false;
            }

            if (!TryHeader(line, out var name, out var value))
            {
                error = $"header line {lineNumber} is not 'Name: value' with a token name and a value of visible ASCII characters";
                return false;
            }

            if (name.Equals(StatusHeader, StringComparison.OrdinalIgnoreCase))
            {
                if (status is not null || !TryStatus(value, out var code, out reason))
                {
                    error = status is null ? $"'Status: {value}' is not a status of 200-599 with an optional reason" : "more than one Status header";
                    return false;
                }

                status = code;
                continue;
            }

            contentType |= name.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase);
            location |= name.Equals(HeaderNames.Location, StringComparison.OrdinalIgnoreCase);
            if (!Dropped(name, sharedOrigin))
                headers.Add(KeyValuePair.Create(name, value));
        }

        if (status is null && !contentType && !location)
        {
            error = "the output has no Content-Type, Location or Status header (a CGI response starts with header lines and a blank line)";
            return false;
        }

        response = new CgiResponse(status ?? (location ? 302 : 200), reason, headers, output[position..]);
        error = null;
        return true;
    }

    /// <summary>Statuses whose response has no body (RFC 9110 6.4.1).</summary>
    public bool HasBody => Status is not (204 or 304);

    private static bool Dropped(string name, bool sharedOrigin) =>
        HopByHop.IsHopByHop(name)
        || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(PlatformPrefix, StringComparison.OrdinalIgnoreCase)
        || (sharedOrigin && name.Equals(HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase));

    private static bool TryHeader(ReadOnlySpan<byte> line, out string name, out string value)
    {
        name = value = string.Empty;
        var colon = line.IndexOf((byte)':');
        if (colon <= 0) return false;
        foreach (var b in line[..colon])
        {
            if (!IsTokenChar(b)) return false;
        }

        var raw = line[(colon + 1)..];
        foreach (var b in raw)
        {
            if (b != (byte)'\t' && (b < 0x20 || b > 0x7E)) return false;
        }

        name = Encoding.ASCII.GetString(line[..colon]);
        value = Encoding.ASCII.GetString(raw).Trim(' ', '\t');
        return true;
    }

    private static bool IsTokenChar(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
        || "!#$%&'*+-.^_`|~"u8.Contains(b);

    private static bool TryStatus(string value, out int code, out string? reason)
    {
        code = 0;
        reason = null;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var digits = space < 0 ? value : value[..space];
        if (digits.Length != 3 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out code) || code is < 200 or > 599)
            return false;
        if (space >= 0 && value[(space + 1)..].Trim() is { Length: > 0 } text)
            reason = text;
        return true;
    }
}
