using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Grpc;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Validation;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tenants;

/// <summary><c>platform.v1.TenantService</c>: the admin operations of <see cref="TenantRest"/> over gRPC.</summary>
internal sealed class TenantGrpcService(TenantStore tenants, ApiKeyStore keys, ApiKeyList keyList) : V1.TenantService.TenantServiceBase
{
    public override async Task<V1.CreateTenantResponse> CreateTenant(V1.CreateTenantRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        var name = NameRules.Require(request.Name, "name");
        var quotas = ProtoMapping.ToQuotaSet(request.Quotas);
        QuotaRules.Require(quotas, "quotas");
        var created = await tenants.CreateAsync(name, quotas, context.CancellationToken);
        return new V1.CreateTenantResponse { Tenant = ProtoMapping.ToProto(created.Tenant), ApiKey = ProtoMapping.ToProto(created.ApiKey) };
    }

    public override async Task<V1.ListTenantsResponse> ListTenants(V1.ListTenantsRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        var page = await tenants.ListAsync(PageRequest.From(request.Page), context.CancellationToken);
        return new V1.ListTenantsResponse { Tenants = { page.Items.Select(ProtoMapping.ToProto) }, NextCursor = page.NextCursor ?? "" };
    }

    public override async Task<V1.Tenant> GetTenant(V1.GetTenantRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        return ProtoMapping.ToProto(await tenants.GetAsync(NameRules.Require(request.Name, "name"), context.CancellationToken));
    }

    public override async Task<V1.Tenant> SetQuotas(V1.SetQuotasRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        var name = NameRules.Require(request.Name, "name");
        var quotas = ProtoMapping.ToQuotaSet(request.Quotas);
        QuotaRules.Require(quotas, "quotas");
        return ProtoMapping.ToProto(await tenants.SetQuotasAsync(name, quotas, context.CancellationToken));
    }

    public override async Task<V1.CreateApiKeyResponse> CreateApiKey(V1.CreateApiKeyRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        var key = await keys.CreateAsync(NameRules.Require(request.Tenant, "tenant"), context.CancellationToken);
        return new V1.CreateApiKeyResponse { ApiKey = ProtoMapping.ToProto(key) };
    }

    public override async Task<V1.ListApiKeysResponse> ListApiKeys(V1.ListApiKeysRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        var page = await keyList.ListAsync(NameRules.Require(request.Tenant, "tenant"), PageRequest.From(request.Page), context.CancellationToken);
        return new V1.ListApiKeysResponse { Keys = { page.Items.Select(ProtoMapping.ToProto) }, NextCursor = page.NextCursor ?? "" };
    }

    public override async Task<Empty> RevokeApiKey(V1.RevokeApiKeyRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        var name = NameRules.Require(request.Tenant, "tenant");
        if (!Guid.TryParseExact(request.Id, "D", out var keyId))
            throw PlatformException.InvalidArgument("id", "id must be a key id as returned when the key was created");
        await keys.RevokeAsync(name, keyId, context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> DeleteTenant(V1.DeleteTenantRequest request, ServerCallContext context)
    {
        await RequireAdmin(context);
        await tenants.DeleteAsync(NameRules.Require(request.Name, "name"), context.CancellationToken);
        return new Empty();
    }

    private static Task RequireAdmin(ServerCallContext context) => Task.FromResult(context.GetHttpContext().Caller().RequireAdmin());
}
