namespace Platform.Runtime.Files;

/// <summary>
/// A host directory preopened for a local run (<c>platformctl run --dir/--dir-rw</c>), as
/// <c>wasmtime run --dir HOST::GUEST</c> does. Never used on a worker: tenants get bundles and scratch only.
/// </summary>
public sealed record DirectoryMount(string HostPath, string GuestPath, bool Writable);
