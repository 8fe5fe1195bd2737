using System.Security.Cryptography;
using System.Text;

namespace Platform.ControlPlane.Keys;

/// <summary>
/// API key secrets: <c>pk_</c> followed by 256 random bits in base64url (43 characters).
/// Only the SHA-256 of the whole key is stored; a key is looked up by that hash and compared in
/// constant time.
/// </summary>
internal static class ApiKeySecrets
{
    public const string Prefix = "pk_";

    /// <summary>How many characters of a key are kept for display (<c>pk_</c> + 6).</summary>
    public const int DisplayPrefixLength = 9;

    public const int MaxPresentedLength = 512;

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static string Generate()
    {
        Span<byte> secret = stackalloc byte[32];
        RandomNumberGenerator.Fill(secret);
        return Prefix + Base64Url(secret);
    }

    /// <summary>Whether <paramref name="key"/> has the shape of a key <see cref="Generate"/> makes: <c>pk_</c> and 43 base64url characters.</summary>
    public static bool IsWellFormed(string key) =>
        key.Length == Prefix.Length + 43
        && key.StartsWith(Prefix, StringComparison.Ordinal)
        && key.AsSpan(Prefix.Length).IndexOfAnyExcept(Base64UrlAlphabet) < 0;

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string DisplayPrefix(string key) => key[..Math.Min(DisplayPrefixLength, key.Length)];

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
