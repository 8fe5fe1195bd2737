namespace Platform.Runtime;

/// <summary>The headers of a REST invocation's response: written by the control plane, read by the CLI (beside the outcome codes both share).</summary>
public static class InvocationHeaders
{
    public const string InvocationId = "Platform-Invocation-Id";
    public const string Outcome = "Platform-Outcome";
    public const string Fuel = "Platform-Fuel-Consumed";
    public const string Duration = "Platform-Duration-Ms";
    public const string Worker = "Platform-Worker";
    public const string Version = "Platform-Version";
}
