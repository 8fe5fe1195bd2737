using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Platform.ControlPlane.Rest;

/// <summary>
/// Documents a request body in OpenAPI without content-type routing (<c>Accepts</c> would make
/// the router answer a wrong Content-Type itself; the handlers answer it with a problem document).
/// </summary>
internal static class OpenApiExtensions
{
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, params string[] contentTypes) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            var content = new Dictionary<string, OpenApiMediaType>();
            foreach (var type in contentTypes.Length == 0 ? ["application/json"] : contentTypes)
                content[type] = new OpenApiMediaType { Schema = schema };
            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        });
}
