namespace Platform.Cli.Run;

internal sealed record RunSettings(
    FileInfo File,
    long Fuel,
    int MemoryMb,
    int TimeoutMs,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Env,
    bool NoPlatformEnv,
    bool Json,
    string CacheDir,
    IReadOnlyList<string> ReadOnlyDirs,
    IReadOnlyList<string> WritableDirs)
{
    public IReadOnlyList<Runtime.Files.DirectoryMount> Mounts() =>
        [
            .. ReadOnlyDirs.Select(value => MountOption.Parse(value, writable: false).Mount).OfType<Runtime.Files.DirectoryMount>(),
            .. WritableDirs.Select(value => MountOption.Parse(value, writable: true).Mount).OfType<Runtime.Files.DirectoryMount>(),
        ];

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Fuel <= 0) problems.Add("--fuel must be positive");
        if (MemoryMb <= 0) problems.Add("--memory-mb must be positive");
        if (TimeoutMs <= 0) problems.Add("--timeout-ms must be positive");
        problems.AddRange(ReadOnlyDirs.Select(value => MountOption.Parse(value, writable: false).Problem).OfType<string>());
        problems.AddRange(WritableDirs.Select(value => MountOption.Parse(value, writable: true).Problem).OfType<string>());
        problems.AddRange(Env.Where(pair => pair.IndexOf('=', StringComparison.Ordinal) <= 0).Select(pair => $"--env expects K=V, got '{pair}'"));
        return problems;
    }
}
