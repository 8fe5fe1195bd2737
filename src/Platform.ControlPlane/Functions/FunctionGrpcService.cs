using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Platform.ControlPlane.Assets;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Grpc;
using Platform.ControlPlane.Limits;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.Validation;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Functions;

/// <summary><c>platform.v1.FunctionService</c>: the tenant operations of <see cref="FunctionRest"/> over gRPC.</summary>
internal sealed class FunctionGrpcService(TenantStore tenants, ITenantDirectory directory, ManagementLimits limits, FunctionStore store, FunctionDeployment deployment) : V1.FunctionService.FunctionServiceBase
{
    public const int DownloadChunkBytes = 64 * 1024;

    public override async Task<V1.FunctionVersion> DeployFunction(IAsyncStreamReader<V1.DeployFunctionRequest> requestStream, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var token = context.CancellationToken;
        if (!await requestStream.MoveNext(token) || requestStream.Current.PayloadCase != V1.DeployFunctionRequest.PayloadOneofCase.Header)
            throw PlatformException.InvalidArgument("header", "the first message must carry the header (name and config)");
        var header = requestStream.Current.Header;
        var name = NameRules.Require(header.Name, "name");
        var quotas = await tenants.GetQuotasAsync(caller.TenantId, token)
            ?? throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
        var config = ProtoMapping.ToInput(header.Config).Validate(quotas);

        using var collected = new MemoryStream();
        using var archive = new MemoryStream();
        var archiveLimit = AssetUpload.ArchiveLimit(quotas);
        while (await requestStream.MoveNext(token))
        {
            var message = requestStream.Current;
            switch (message.PayloadCase)
            {
                case V1.DeployFunctionRequest.PayloadOneofCase.Chunk when archive.Length == 0:
                    if (collected.Length + message.Chunk.Length > quotas.MaxModuleBytes)
                        throw ModuleUpload.TooLarge(quotas.MaxModuleBytes);
                    message.Chunk.WriteTo(collected);
                    break;
                case V1.DeployFunctionRequest.PayloadOneofCase.Chunk:
                    throw PlatformException.InvalidArgument("chunk", "module chunks must all come before the first assets_chunk");
                case V1.DeployFunctionRequest.PayloadOneofCase.AssetsChunk:
                    if (archive.Length + message.AssetsChunk.Length > archiveLimit)
                        throw AssetUpload.TooLarge(quotas, $"the archive is larger than {archiveLimit} bytes");
                    message.AssetsChunk.WriteTo(archive);
                    break;
                default:
                    throw PlatformException.InvalidArgument("header", "only the first message may carry a header");
            }
        }

        UploadedAssets? assets = null;
        if (archive.Length > 0)
        {
            archive.Position = 0;
            assets = await AssetUpload.ReadAsync(archive, quotas, token);
        }

        var version = await deployment.DeployAsync(caller, name, collected.GetBuffer().AsMemory(0, (int)collected.Length), config, assets, quotas, token);
        return ProtoMapping.ToProto(version);
    }

    public override async Task<V1.ListFunctionsResponse> ListFunctions(V1.ListFunctionsRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var page = await store.ListAsync(caller.TenantId, PageRequest.From(request.Page), context.CancellationToken);
        return new V1.ListFunctionsResponse { Functions = { page.Items.Select(ProtoMapping.ToProto) }, NextCursor = page.NextCursor ?? "" };
    }

    public override async Task<V1.Function> GetFunction(V1.GetFunctionRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var details = await store.GetAsync(caller.TenantId, NameRules.Require(request.Name, "name"), PageRequest.From(request.Page), context.CancellationToken);
        return ProtoMapping.ToProto(details);
    }

    public override async Task DownloadModule(V1.DownloadModuleRequest request, IServerStreamWriter<V1.ModuleChunk> responseStream, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var name = NameRules.Require(request.Name, "name");
        var reference = VersionReference.Parse(string.IsNullOrEmpty(request.Version) ? VersionReference.Latest : request.Version, "version");
        var (info, module) = await store.GetModuleAsync(caller.TenantId, name, reference, context.CancellationToken);
        await context.WriteResponseHeadersAsync(new Metadata
        {
            { "x-module-sha256", module.Sha256 },
            { "x-platform-version", info.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        });
        for (var offset = 0; offset < module.Bytes.Length; offset += DownloadChunkBytes)
        {
            var length = Math.Min(DownloadChunkBytes, module.Bytes.Length - offset);
            await responseStream.WriteAsync(new V1.ModuleChunk { Data = ByteString.CopyFrom(module.Bytes, offset, length) }, context.CancellationToken);
        }
    }

    public override async Task<V1.Alias> SetAlias(V1.SetAliasRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var name = NameRules.Require(request.Name, "name");
        FunctionRest.RequireSettableAlias(request.Alias);
        if (request.Version < 1)
            throw PlatformException.InvalidArgument("version", "version must be a positive version number");
        var quotas = await tenants.GetQuotasAsync(caller.TenantId, context.CancellationToken)
            ?? throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
        var alias = await store.SetAliasAsync(caller.TenantId, name, request.Alias, request.Version, quotas.MaxAliasesPerFunction, context.CancellationToken);
        return new V1.Alias { Function = alias.Function, Name = alias.Name, Version = alias.Version };
    }

    public override async Task<Empty> DeleteFunction(V1.DeleteFunctionRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        await store.DeleteAsync(caller.TenantId, NameRules.Require(request.Name, "name"), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> DeleteVersion(V1.DeleteVersionRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var name = NameRules.Require(request.Name, "name");
        if (request.Version < 1)
            throw PlatformException.InvalidArgument("version", "version must be a positive version number");
        await store.DeleteVersionAsync(caller.TenantId, name, request.Version, context.CancellationToken);
        return new Empty();
    }

    /// <summary>Authenticates a tenant key and admits the call under the tenant's management rate.</summary>
    private async Task<Caller.Tenant> RequireTenant(ServerCallContext context)
    {
        var caller = context.GetHttpContext().TenantCaller();
        await limits.AdmitAsync(directory, caller.TenantId, context.CancellationToken);
        return caller;
    }
}
