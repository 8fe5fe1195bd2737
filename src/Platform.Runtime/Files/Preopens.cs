namespace Platform.Runtime.Files;

/// <summary>The directories an invocation starts with, in fd order from 3: assets as <c>/</c>, scratch as <c>/tmp</c>, then the mounts.</summary>
internal static class Preopens
{
    public const string ScratchPath = "/tmp";

    public static FdTable For(InvocationRequest request)
    {
        var preopens = new List<Descriptor>();
        if (request.Assets is { } assets) preopens.Add(Descriptor.Preopen(MemoryTree.ForBundle(assets), "/"));
        if (request.Limits.ScratchMaxBytes > 0) preopens.Add(Descriptor.Preopen(MemoryTree.Scratch(request.Limits.ScratchMaxBytes), ScratchPath));
        foreach (var mount in request.Mounts)
            preopens.Add(Descriptor.Preopen(new HostDirectory(Path.GetFullPath(mount.HostPath).TrimEnd('/') is { Length: > 0 } host ? host : "/", mount.Writable), mount.GuestPath));
        return new FdTable(preopens);
    }
}
