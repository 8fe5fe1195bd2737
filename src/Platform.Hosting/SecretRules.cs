namespace Platform.Hosting;

/// <summary>
/// What a secret from configuration (<c>Platform:AdminKey</c>, <c>Platform:ClusterToken</c>) must
/// be: long enough to resist guessing, and none of the values the repository's examples and
/// manifests ever shipped, which anyone can read.
/// </summary>
public static class SecretRules
{
    public const int MinLength = 32;

    private const string Advice = "generate one with: openssl rand -hex 32";

    private static readonly string[] Published =
    [
        "CHANGE-ME-admin-key-placeholder-0000",
        "CHANGE-ME-cluster-token-placeholder-0000",
        "change-me-admin-key-0123456789",
        "change-me-cluster-token-0123456789",
    ];

    /// <summary>Why <paramref name="value"/> cannot be the secret <paramref name="key"/>, or null when it can.</summary>
    public static string? Check(string key, string? value)
    {
        var variable = key.Replace(":", "__", StringComparison.Ordinal);
        if (string.IsNullOrWhiteSpace(value))
            return $"{key} is required (environment variable {variable}); {Advice}.";
        if (Published.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase) || value.Contains("change-me", StringComparison.OrdinalIgnoreCase) || value.Contains("placeholder", StringComparison.OrdinalIgnoreCase))
            return $"{key} is a published placeholder value, not a secret: set {variable} to a random value; {Advice}.";
        if (value.Length < MinLength)
            return $"{key} must be at least {MinLength} characters long; {Advice}.";
        return null;
    }
}
