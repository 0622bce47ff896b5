using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Operations;

/// <summary>A real Prometheus scrapes a running gateway under load, and PromQL sees what happened.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_gateway_under_smtp_source_load_and_promql_returns_the_rates()
    {
        var smtpSource = ExternalTool.Require("smtp-source");
        await using var sink = SmtpSink.Start();
        await using var gateway = await Relay.StartAsync(sink.Address);
        await using var prometheus = await PrometheusServer.StartAsync(gateway.HttpAddress);
        await prometheus.UntilValueAsync("up{job=\"transportguard\"}", v => v == 1);

        var load = await ProcessRunner.RunAsync(smtpSource,
            ["-m", "300", "-s", "10", "-l", "2048", "-f", "sender@example.org", "-t", "rcpt@example.com", $"127.0.0.1:{gateway.Port}"], TimeSpan.FromSeconds(120));
        Assert.True(load.ExitCode == 0, load.Output + load.Error);
        await sink.WaitForAsync(300, TimeSpan.FromSeconds(60));

        await prometheus.UntilValueAsync("transportguard_smtp_transactions_total{result=\"queued\"}", v => v == 300);
        await prometheus.UntilValueAsync("sum(transportguard_delivery_attempts_total{outcome=\"delivered\"})", v => v == 300);
        Assert.True(await prometheus.UntilValueAsync("rate(transportguard_smtp_transactions_total{result=\"queued\"}[30s])", v => v > 0) > 0);
        var p99 = await prometheus.UntilValueAsync("histogram_quantile(0.99, sum by (le) (rate(transportguard_smtp_accept_duration_seconds_bucket[30s])))", v => v > 0);
        Assert.InRange(p99, 0.0001, 5);
        await prometheus.UntilValueAsync("transportguard_spool_messages", v => v == 0); // everything delivered and finished
        Assert.Equal(1, await prometheus.UntilValueAsync("count(transportguard_build_info)", v => v == 1));
    }
}
