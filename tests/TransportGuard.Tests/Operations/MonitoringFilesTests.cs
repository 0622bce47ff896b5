using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Operations;

/// <summary>The dashboard, the alert rules and the scrape config, checked by Prometheus's own promtool and against
/// the metric names a running gateway really exports.</summary>
public sealed class MonitoringFilesTests
{
    private static async Task<ProcessRunner.Result> PromtoolAsync(params string[] args) =>
        await ProcessRunner.RunAsync(ExternalTool.Require("promtool"), args, TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Promtool_accepts_the_alert_rules_and_their_unit_tests_pass()
    {
        var check = await PromtoolAsync("check", "rules", MonitoringFiles.Rules);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.Contains("SUCCESS: 11 rules found", check.Output, StringComparison.Ordinal);
        var test = await PromtoolAsync("test", "rules", MonitoringFiles.RuleTests);
        Assert.True(test.ExitCode == 0, test.Output + test.Error);
    }

    [Fact]
    public async Task Promtool_accepts_the_example_scrape_config()
    {
        var check = await PromtoolAsync("check", "config", MonitoringFiles.ScrapeConfig);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
    }

    [Fact]
    public void Every_dashboard_panel_has_a_title_a_description_a_datasource_and_queries()
    {
        var panels = MonitoringFiles.DashboardPanels().ToList();
        Assert.True(panels.Count >= 15);
        Assert.All(panels, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("description").GetString()));
            Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(p.GetProperty("targets").EnumerateArray());
            Assert.All(p.GetProperty("targets").EnumerateArray(), t => Assert.Contains("transportguard_", t.GetProperty("expr").GetString()!.Replace("process_", "transportguard_", StringComparison.Ordinal), StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alerts_query_is_exported_by_a_running_gateway()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = AdminHttp.For(gateway);
        var exported = MonitoringFiles.ExportedMetrics(await http.TextAsync("/metrics"));
        var queried = MonitoringFiles.QueriedMetrics();
        Assert.True(queried.Count >= 20, string.Join(", ", queried));
        Assert.Empty(queried.Except(exported));
    }
}
