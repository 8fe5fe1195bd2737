namespace Platform.ControlPlane.Keys;

/// <summary>A key just issued: <see cref="Secret"/> is shown in this response only.</summary>
public sealed record IssuedApiKey(Guid Id, string Secret, string Prefix, DateTimeOffset CreatedAt);

/// <summary>What is known about a stored key (never its secret).</summary>
public sealed record ApiKeyInfo(Guid Id, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
