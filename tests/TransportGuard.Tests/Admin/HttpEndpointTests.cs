using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Admin;

/// <summary>The HTTP endpoint of a running gateway: health, metrics, and the queue API with its token.</summary>
public sealed partial class HttpEndpointTests
{
    [Fact]
    public async Task Health_and_readiness_answer_and_metrics_count_what_happened()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = AdminHttp.For(gateway);
        Assert.Equal("ok\n", await http.TextAsync("/healthz"));
        Assert.Equal("ready\n", await http.TextAsync("/readyz"));
        for (var i = 0; i < 3; i++)
            await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body($"m{i}"));
        await using (var refused = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint))
            Assert.Equal(500, (await refused.CommandAsync("NONSENSE")).Code);

        using var response = await http.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var metrics = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, Value(metrics, "transportguard_smtp_transactions_total{result=\"queued\"}"));
        Assert.Equal(4, Value(metrics, "transportguard_smtp_connections_total"));
        Assert.Equal(1, Value(metrics, "transportguard_smtp_replies_total{class=\"5xx\"}"));
        Assert.Equal(3, Value(metrics, "transportguard_smtp_accept_duration_seconds_count"));
        Assert.Equal(3, Value(metrics, "transportguard_spool_messages"));
        Assert.Equal(3, Value(metrics, "transportguard_queue_messages{state=\"ready\"}")); // delivery is suspended in this gateway
        Assert.True(Value(metrics, "transportguard_disk_free_bytes") > 0);
        Assert.Equal(0, Value(metrics, "transportguard_messages_accepted_without_redundancy_total"));
        Assert.Matches(@"transportguard_build_info\{version=""[^""]+""\} 1", metrics);
        Assert.Contains("process_cpu_seconds_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_fails_while_the_node_drains_and_while_its_disk_is_below_the_floor()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = AdminHttp.For(gateway);
        var drain = gateway.Services.GetRequiredService<TransportGuard.Smtp.DrainState>();
        drain.Begin();
        using (var draining = await http.GetAsync("/readyz", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, draining.StatusCode);
            Assert.Contains("draining", await draining.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        drain.End();
        Assert.Equal("ready\n", await http.TextAsync("/readyz"));

        // A floor no disk clears: every new message would get 452, so a load balancer must send elsewhere.
        await using var full = await TestGateway.StartAsync(("Spool:MinimumFreeBytes", "1000000000000000000"));
        using var fullHttp = AdminHttp.For(full);
        using var refusing = await fullHttp.GetAsync("/readyz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusing.StatusCode);
        Assert.Contains("disk space below Spool:MinimumFreeBytes", await refusing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queue_api_lists_shows_holds_releases_and_deletes()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = AdminHttp.For(gateway);
        var first = await Relay.SendAsync(gateway, "alice@example.org", ["b@example.com"], Relay.Body("first"));
        var second = await Relay.SendAsync(gateway, "bob@example.org", ["c@example.com", "d@example.com"], Relay.Body("second"));

        var page = await http.JsonAsync("/api/queue?limit=1");
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal(first, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("queueId").GetString());
        Assert.Equal(second, Assert.Single((await http.JsonAsync("/api/queue?search=bob@")).GetProperty("items").EnumerateArray()).GetProperty("queueId").GetString());

        var detail = await http.JsonAsync($"/api/queue/{second}");
        Assert.Equal("bob@example.org", detail.GetProperty("envelope").GetProperty("reversePath").GetString());
        Assert.Equal(2, detail.GetProperty("item").GetProperty("pendingRecipients").GetArrayLength());

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/queue/{first}/hold", null, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(first, Assert.Single((await http.JsonAsync("/api/queue?state=held")).GetProperty("items").EnumerateArray()).GetProperty("queueId").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/queue/{first}/release", null, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(0, (await http.JsonAsync("/api/queue?state=held")).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/queue?state=lost", TestContext.Current.CancellationToken)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync($"/api/queue/{second}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/api/queue/{second}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/queue/{second}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal([first], gateway.Messages().Select(m => m.Envelope.QueueId));
    }

    [Fact]
    public async Task With_a_token_the_admin_api_refuses_a_missing_or_wrong_one_and_changes_nothing_while_health_stays_open()
    {
        await using var gateway = await TestGateway.StartAsync(("Http:AdminToken", "s3cret-token"));
        var id = await Relay.SendAsync(gateway, "a@example.org", ["b@example.com"], Relay.Body("guarded"));
        using var anonymous = AdminHttp.Client(gateway.HttpAddress);
        using var wrong = AdminHttp.Client(gateway.HttpAddress, "s3cret-tokeN");
        using var right = AdminHttp.Client(gateway.HttpAddress, "s3cret-token");

        foreach (var client in new[] { anonymous, wrong })
        {
            var hold = await client.PostAsync($"/api/queue/{id}/hold", null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, hold.StatusCode);
            Assert.Equal("Bearer", hold.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.DeleteAsync($"/api/queue/{id}", TestContext.Current.CancellationToken)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/queue", TestContext.Current.CancellationToken)).StatusCode);
        }
        Assert.Equal(0, (await right.JsonAsync("/api/queue?state=held")).GetProperty("total").GetInt32()); // nothing was held
        Assert.Single(gateway.Messages()); // nothing was deleted
        Assert.Equal("ok\n", await anonymous.TextAsync("/healthz"));
        Assert.Contains("transportguard_smtp_connections_total", await anonymous.TextAsync("/metrics"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await right.PostAsync($"/api/queue/{id}/hold", null, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_resubmit_request_is_validated_and_a_dry_run_counts_what_the_safety_net_holds()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = AdminHttp.For(gateway);
        var bad = await http.PostAsync("/api/safetynet/resubmit", Json("""{"start":"2026-11-23T10:00:00Z","end":"2026-11-23T09:00:00Z","destination":"mbx1"}"""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var dry = await http.PostAsync("/api/safetynet/resubmit", Json("""{"start":"2026-11-23T08:00:00Z","end":"2026-11-23T09:00:00Z","destination":"mbx1","dryRun":true}"""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.Contains("\"matched\":0", await dry.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(0, (await http.JsonAsync("/api/shadow")).GetArrayLength());
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static double Value(string exposition, string series) => MetricsText.Value(exposition, series);
}
