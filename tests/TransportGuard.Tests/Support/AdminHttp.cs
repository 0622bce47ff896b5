using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace TransportGuard.Tests.Support;

/// <summary>An HTTP client for a gateway's endpoint, optionally with the admin bearer token.</summary>
internal static class AdminHttp
{
    /// <summary>A client of a real gateway's admin API, with the token it generated in its data directory.</summary>
    public static HttpClient For(GatewayProcess gateway) => Client(gateway.HttpAddress!, TokenIn(gateway.DataDirectory));

    public static HttpClient For(TestGateway gateway) => Client(gateway.HttpAddress, TokenIn(gateway.DataDirectory));

    public static string TokenIn(string dataDirectory) => File.ReadAllText(Path.Combine(dataDirectory, "admin-token")).Trim();

    public static HttpClient Client(Uri address, string? token = null)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<JsonElement> JsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    public static async Task<string> TextAsync(this HttpClient client, string path) =>
        await client.GetStringAsync(path, TestContext.Current.CancellationToken);
}
