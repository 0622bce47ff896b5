using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TransportGuard.Admin;

/// <summary>
/// Guards /api with a bearer token when one is configured (RFC 6750): a missing or wrong token gets 401 and the
/// request never reaches the handler. Compared in constant time so the token cannot be guessed byte by byte.
/// </summary>
internal sealed class AdminTokenFilter(string? token) : IEndpointFilter
{
    private readonly byte[]? _expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected is null || Authorized(context.HttpContext.Request.Headers.Authorization.ToString()))
            return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"transportguard\"";
        return Results.Json(new { error = "a valid bearer token is required for the admin API" }, statusCode: StatusCodes.Status401Unauthorized);
    }

    private bool Authorized(string header)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }
}
