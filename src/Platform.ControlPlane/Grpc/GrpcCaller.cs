using Grpc.Core;
using Platform.ControlPlane.Auth;

namespace Platform.ControlPlane.Grpc;

internal static class GrpcCaller
{
    /// <summary>Authenticates the <c>authorization: Bearer &lt;key&gt;</c> metadata of a call.</summary>
    public static Task<Caller> AuthenticateAsync(this IAuthenticator authenticator, ServerCallContext context) =>
        authenticator.AuthenticateAsync(context.RequestHeaders.GetValue("authorization"), context.CancellationToken);
}
