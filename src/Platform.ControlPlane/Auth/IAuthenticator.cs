namespace Platform.ControlPlane.Auth;

/// <summary>
/// Establishes the caller from an <c>Authorization</c> value (<c>Bearer &lt;key&gt;</c>). Nothing
/// is cached beyond the request: a revoked key fails on its next use.
/// </summary>
public interface IAuthenticator
{
    /// <exception cref="Errors.PlatformException">UNAUTHENTICATED when the key is missing, malformed, unknown or revoked.</exception>
    Task<Caller> AuthenticateAsync(string? authorization, CancellationToken cancellationToken);
}
