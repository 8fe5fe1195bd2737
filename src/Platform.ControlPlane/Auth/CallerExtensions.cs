using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Auth;

public static class CallerExtensions
{
    /// <summary>FORBIDDEN unless the caller holds the admin key.</summary>
    public static Caller.Admin RequireAdmin(this Caller caller) => caller switch
    {
        Caller.Admin admin => admin,
        _ => throw new PlatformException(ErrorCode.Forbidden, "this operation needs the admin key"),
    };

    /// <summary>FORBIDDEN unless the caller holds a tenant key.</summary>
    public static Caller.Tenant RequireTenant(this Caller caller) => caller switch
    {
        Caller.Tenant tenant => tenant,
        _ => throw new PlatformException(ErrorCode.Forbidden, "this operation needs a tenant key; the admin key owns no functions"),
    };
}
