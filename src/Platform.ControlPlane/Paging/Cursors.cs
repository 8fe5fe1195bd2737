using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Paging;

/// <summary>
/// Opaque keyset cursors: the position after the last item of a page (a name, a version, a
/// creation time and id), bound to the list it came from (kind and scope: the tenant, the
/// function) and signed, so a cursor cannot be forged, edited, or replayed against another
/// tenant's list. The key is derived from the admin key, which every replica shares; a cursor
/// stops working when that key changes.
/// </summary>
internal sealed class Cursors
{
    private const string Version = "c1";
    private const int MacBytes = 16;
    private readonly byte[] _key;

    public Cursors(IOptions<ControlPlaneOptions> options)
    {
        var secret = Encoding.UTF8.GetBytes(options.Value.AdminKey ?? throw new InvalidOperationException("Platform:AdminKey is required"));
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "platform list cursors"u8.ToArray());
    }

    public string Encode(string kind, string scope, string position)
    {
        var payload = Encoding.UTF8.GetBytes($"{Version}|{kind}|{scope}|{position}");
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(Mac(payload))}";
    }

    /// <summary>The position a cursor of this list carries; INVALID_ARGUMENT (<c>cursor</c>) for anything else.</summary>
    public string Decode(string cursor, string kind, string scope)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        if (cursor.Length > 1024 || dot <= 0)
            throw Malformed();
        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(cursor.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(cursor.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            throw Malformed();
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(payload)))
            throw Malformed();
        var parts = Encoding.UTF8.GetString(payload).Split('|', 4);
        if (parts.Length != 4 || parts[0] != Version || parts[1] != kind || parts[2] != scope)
            throw Malformed();
        return parts[3];
    }

    public static PlatformException Malformed() =>
        PlatformException.InvalidArgument("cursor", "cursor must be the nextCursor of the previous page of this same list");

    private byte[] Mac(byte[] payload) => HMACSHA256.HashData(_key, payload).AsSpan(0, MacBytes).ToArray();
}
