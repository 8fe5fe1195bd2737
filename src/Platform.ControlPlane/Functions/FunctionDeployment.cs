using Platform.ControlPlane.Assets;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Functions;

/// <summary>
/// A deploy, after its upload was read (REST and gRPC alike): the one compile of the module, its
/// pre-initialisation, then the version's commit and the push of the running module's signed
/// artifact to the workers placement assigns it, side by side. The deploy is answered once both
/// ended: the version is committed and ready on those workers (each push bounded by
/// <c>Platform:Cluster:PushTimeout</c>; a failed push only means the worker fetches it later).
/// </summary>
internal sealed class FunctionDeployment(FunctionStore store, ModuleCheck check, Preinit.ModulePreinit preinit, ModulePusher pusher)
{
    public async Task<FunctionVersionInfo> DeployAsync(Auth.Caller.Tenant caller, string name, ReadOnlyMemory<byte> source, FunctionConfig config, UploadedAssets? assets, EffectiveQuotas quotas, CancellationToken cancellationToken)
    {
        var module = await check.ValidateAsync(source, quotas.MaxModuleBytes, caller.TenantId, cancellationToken);
        var snapshot = await preinit.RunAsync(module, caller, name, config, quotas, cancellationToken);
        var running = snapshot?.Module ?? module;
        // The push needs nothing of the commit: the artifact is content-addressed, so a commit that
        // fails (a quota, say) leaves the workers a cached artifact that nothing references.
        var pushed = pusher.PushAsync(new ModuleContent(running.Sha256, running.Bytes), cancellationToken);
        var committed = store.DeployAsync(caller.TenantId, name, module, snapshot, assets, config, quotas, cancellationToken);
        try
        {
            return await committed;
        }
        finally
        {
            await pushed;
        }
    }
}
