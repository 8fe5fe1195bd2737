using Platform.ControlPlane.Auth;

namespace Platform.ControlPlane.Invocation;

/// <summary>How an invocation arrived; the bounded <c>trigger</c> label of the invocation metrics.</summary>
internal enum InvocationTrigger
{
    /// <summary>Invoke by name (REST or gRPC).</summary>
    Invoke,

    /// <summary>An HTTP request at the function's URL.</summary>
    Http,
}

/// <summary>The tenant an invocation runs for: the key's tenant, or the owner of a public HTTP function (no key).</summary>
internal readonly record struct InvocationTenant(Guid Id, string Name)
{
    public static InvocationTenant Of(Caller.Tenant caller) => new(caller.TenantId, caller.TenantName);
}

/// <summary>
/// What one invocation sends besides the function's own configuration: its stdin, variables that
/// override the configured ones with the same name (the HTTP trigger's CGI variables), how it
/// arrived, and its id when the edge already announced one.
/// </summary>
internal sealed record InvocationInput(ReadOnlyMemory<byte> Stdin, InvocationTrigger Trigger = InvocationTrigger.Invoke)
{
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public string InvocationId { get; init; } = Guid.NewGuid().ToString("N");
}
