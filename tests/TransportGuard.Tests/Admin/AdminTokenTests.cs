using System.Net;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Admin;

/// <summary>
/// The admin API is secure by default (docs/operations.md, Admin API): with no Http:AdminToken the gateway generates
/// one into its data directory, readable by its owner only, keeps it across restarts (replaces it once others could
/// read it) and never logs it; the CLI reads it from there; a request a web page makes is refused whatever it carries.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are what it checks
public sealed class AdminTokenTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Without_a_configured_token_one_is_generated_owner_only_kept_across_restarts_and_read_by_the_cli()
    {
        var data = TempDirectory.Create("token");
        var file = Path.Combine(data, "admin-token");
        string token;
        await using (var gateway = await GatewayProcess.StartAsync(data))
        {
            token = AdminHttp.TokenIn(data);
            Assert.Matches("^[0-9a-f]{64}$", token);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

            using (var anonymous = AdminHttp.Client(gateway.HttpAddress!))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/queue", TestContext.Current.CancellationToken)).StatusCode);
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/drain", null, TestContext.Current.CancellationToken)).StatusCode);
                Assert.Equal("ok\n", await anonymous.TextAsync("/healthz"));
            }
            using (var owner = AdminHttp.For(gateway))
                Assert.Equal(0, (await owner.JsonAsync("/api/queue")).GetProperty("total").GetInt32());

            var cli = await Cli("queue", "--url", gateway.HttpAddress!.ToString(), "--data", data);
            Assert.Equal((0, "0 message(s)"), (cli.ExitCode, cli.Output.Trim().Split('\n')[^1]));
            var elsewhere = await Cli("queue", "--url", gateway.HttpAddress!.ToString(), "--data", TempDirectory.Create("other"));
            Assert.Equal(3, elsewhere.ExitCode);
            Assert.Contains("401", elsewhere.Error, StringComparison.Ordinal);

            Assert.Contains($"Admin API token generated in {file}", gateway.Output, StringComparison.Ordinal);
            Assert.Equal(0, await gateway.TerminateAsync());
            Assert.DoesNotContain(token, gateway.Output, StringComparison.Ordinal);
        }

        // A file others could read is no secret: the next start replaces it with a new token, owner-only again.
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using (var restarted = await GatewayProcess.StartAsync(data))
        {
            var replaced = AdminHttp.TokenIn(data);
            Assert.NotEqual(token, replaced);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Contains("was readable by others: a new token replaces it", restarted.Output, StringComparison.Ordinal);
            using var stale = AdminHttp.Client(restarted.HttpAddress!, token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await stale.GetAsync("/api/queue", TestContext.Current.CancellationToken)).StatusCode);
            using var owner = AdminHttp.For(restarted);
            Assert.Equal(0, (await owner.JsonAsync("/api/queue")).GetProperty("total").GetInt32());
            Assert.DoesNotContain(replaced, restarted.Output, StringComparison.Ordinal);
        }
        TempDirectory.Delete(data);
    }

    [Theory]
    [InlineData("Origin", "http://127.0.0.1:8080")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    public async Task A_request_a_web_page_makes_is_refused_even_with_the_token(string header, string value)
    {
        await using var gateway = await TestGateway.StartAsync();
        var id = await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("page"));
        using var http = AdminHttp.For(gateway);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/queue/{id}");
        request.Headers.Add(header, value);
        using var refused = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Single(gateway.Messages()); // nothing was deleted
        using var fromATool = new HttpRequestMessage(HttpMethod.Get, "/api/queue"); // an address typed into the browser itself
        fromATool.Headers.Add("Sec-Fetch-Site", "none");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(fromATool, TestContext.Current.CancellationToken)).StatusCode);
        using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        metrics.Headers.Add(header, value);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(metrics, TestContext.Current.CancellationToken)).StatusCode);
    }

    private static Task<ProcessRunner.Result> Cli(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, .. args], Timeout);
}
