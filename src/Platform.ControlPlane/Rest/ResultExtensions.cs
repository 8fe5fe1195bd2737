using Microsoft.AspNetCore.Http;

namespace Platform.ControlPlane.Rest;

/// <summary>A result with a <c>Location</c> header (for 201 responses written with our JSON options).</summary>
internal sealed class LocatedResult(IResult inner, string location) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.Location = location;
        return inner.ExecuteAsync(httpContext);
    }
}

internal static class ResultExtensions
{
    public static IResult WithLocation(this IResult result, string location) => new LocatedResult(result, location);
}
