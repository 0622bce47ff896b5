using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace TransportGuard.Tests.Support;

/// <summary>A real Prometheus (Debian's) on loopback, scraping given targets every second, queried over its HTTP API.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public static async Task<PrometheusServer> StartAsync(params Uri[] targets)
    {
        var binary = ExternalTool.Require("prometheus");
        var directory = Directory.CreateTempSubdirectory("tg-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: transportguard
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t.Authority}'"))}]
            """, TestContext.Current.CancellationToken);
        var port = PostfixInstance.FreePort();
        var process = Process.Start(new ProcessStartInfo(binary,
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, port);
        await server.UntilAsync(async () => (await server.TryGetAsync("/-/ready")) is not null, "Prometheus did not become ready");
        return server;
    }

    /// <summary>Runs an instant PromQL query and returns its vector as (labels, value) pairs.</summary>
    public async Task<IReadOnlyList<(JsonElement Metric, double Value)>> QueryAsync(string promql)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>($"/api/v1/query?query={Uri.EscapeDataString(promql)}", TestContext.Current.CancellationToken);
        Assert.Equal("success", body.GetProperty("status").GetString());
        return [.. body.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => (r.GetProperty("metric"), double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>Waits until the query returns a single value satisfying the condition, and returns it.</summary>
    public async Task<double> UntilValueAsync(string promql, Func<double, bool> condition, TimeSpan? timeout = null)
    {
        double last = double.NaN;
        await UntilAsync(async () => (await QueryAsync(promql)) is [var only] && condition(last = only.Value),
            $"no satisfying value for {promql} (last {last})", timeout);
        return last;
    }

    private async Task<string?> TryGetAsync(string path)
    {
        try
        {
            return await _http.GetStringAsync(path, TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Gives up at once if Prometheus has exited.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        await Eventually.UntilAsync(async () => _process.HasExited || await condition(), timeout ?? TimeSpan.FromSeconds(30), () => failure, 200);
        Assert.False(_process.HasExited, "prometheus exited: " + failure);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
