namespace Platform.Runtime;

/// <summary>What an uploaded module may be, checked before it is compiled.</summary>
public sealed record ModuleLimits(long MaxModuleBytes, int MaxFunctions)
{
    public const long DefaultMaxModuleBytes = 32L << 20;
    public const int DefaultMaxFunctions = 50_000;

    public static ModuleLimits Default { get; } = new(DefaultMaxModuleBytes, DefaultMaxFunctions);
}
