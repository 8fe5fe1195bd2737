namespace Platform.ControlPlane.Modules;

/// <summary>
/// Garbage collection of modules (<c>Platform:ModuleCollection:*</c>): a module no version of
/// any tenant references any more (its versions, functions or tenants were deleted) is deleted
/// from PostgreSQL every <see cref="Interval"/>, and the live workers are asked to evict it.
/// </summary>
public sealed class ModuleCollectionOptions
{
    public const string SectionName = "Platform:ModuleCollection";

    /// <summary>Time between two collections. Default 1 minute; zero disables collection.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Modules deleted per transaction (a collection runs batches until none is left). Default 200.</summary>
    public int BatchSize { get; set; } = 200;

    internal IEnumerable<string> Validate()
    {
        if (Interval < TimeSpan.Zero)
            yield return $"{SectionName}:Interval must be zero (off) or positive";
        if (BatchSize is < 1 or > 10_000)
            yield return $"{SectionName}:BatchSize must be between 1 and 10000";
    }
}
