using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TransportGuard.Admin;

/// <summary>
/// Guards /api (docs/operations.md, Admin API). A request a browser sends on a page's behalf (it carries
/// <c>Origin</c>, or <c>Sec-Fetch-Site</c> other than "none") gets 403: the API has no web page of its own, so such a
/// request is cross-site by definition, whatever credentials ride along. Otherwise a missing or wrong bearer token
/// (RFC 6750) gets 401 (<see cref="AdminToken.Matches"/>). Neither reaches the handler. The token is the one made or
/// read at start (AdminTokenStartup), not when the routes were mapped.
/// </summary>
internal sealed class AdminTokenFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (FromABrowserPage(request.Headers))
            return Results.Json(new { error = "the admin API refuses requests made by a web page (Origin or Sec-Fetch-Site present)" }, statusCode: StatusCodes.Status403Forbidden);
        if (Authorized(request.Headers.Authorization.ToString(), context.HttpContext.RequestServices.GetRequiredService<AdminToken>()))
            return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"transportguard\"";
        return Results.Json(new { error = "a valid bearer token is required for the admin API (the CLI reads it from DATA/admin-token, or pass --token)" }, statusCode: StatusCodes.Status401Unauthorized);
    }

    private static bool FromABrowserPage(IHeaderDictionary headers) =>
        headers.Origin.Count > 0 || (headers.TryGetValue("Sec-Fetch-Site", out var site) && !string.Equals(site, "none", StringComparison.OrdinalIgnoreCase));

    private static bool Authorized(string header, AdminToken token)
    {
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && token.Matches(header[Scheme.Length..].Trim());
    }
}
