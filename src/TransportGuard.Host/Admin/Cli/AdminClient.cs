using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace TransportGuard.Admin.Cli;

/// <summary>The CLI's side of the admin API: one request, its JSON, and an exit code that says how it went.</summary>
internal sealed class AdminClient(Uri baseAddress, string? token) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly HttpClient _http = Create(baseAddress, token);

    private static HttpClient Create(Uri baseAddress, string? token)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(token))
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The answer's JSON, or null after printing why there is none (exit code in <paramref name="exitCode"/>).</summary>
    public async Task<(JsonElement? Body, int ExitCode)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
            using var response = await _http.SendAsync(request);
            var json = response.Content.Headers.ContentLength == 0 ? (JsonElement?)null : await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.IsSuccessStatusCode)
                return (json, 0);
            var error = json is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("error", out var message) ? message.GetString() : response.ReasonPhrase;
            Console.Error.WriteLine($"transportguard: {(int)response.StatusCode} {error}");
            return (null, response.StatusCode == HttpStatusCode.Unauthorized ? 3 : 1);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            Console.Error.WriteLine($"transportguard: cannot reach the gateway at {_http.BaseAddress}: {ex.Message}");
            return (null, 2);
        }
    }

    public void Dispose() => _http.Dispose();
}
