using System.Text.Json;
using System.Text.RegularExpressions;

namespace TransportGuard.Tests.Support;

/// <summary>The shipped monitoring files (dashboards/) and the metric names their queries use.</summary>
internal static partial class MonitoringFiles
{
    public static string Directory => RepositoryFiles.PathOf("dashboards");
    public static string Rules => Path.Combine(Directory, "prometheus", "alerts.yml");
    public static string RuleTests => Path.Combine(Directory, "prometheus", "alerts.test.yml");
    public static string ScrapeConfig => Path.Combine(Directory, "prometheus", "prometheus.yml");
    public static string Dashboard => Path.Combine(Directory, "grafana", "transportguard.json");

    public static IEnumerable<JsonElement> DashboardPanels() =>
        JsonDocument.Parse(File.ReadAllText(Dashboard)).RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row");

    /// <summary>Every metric a dashboard panel or an alert rule queries, histogram suffixes stripped to the family name.</summary>
    public static ISet<string> QueriedMetrics()
    {
        var queries = DashboardPanels().SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!)
            .Concat(ExprLine().Matches(File.ReadAllText(Rules)).Select(m => m.Groups[1].Value));
        return queries.SelectMany(q => MetricName().Matches(q).Select(m => HistogramSuffix().Replace(m.Value, ""))).ToHashSet();
    }

    /// <summary>The metric families an exposition declares ("# TYPE name kind"), including those with no series yet.</summary>
    public static ISet<string> ExportedMetrics(string exposition) =>
        TypeLine().Matches(exposition).Select(m => m.Groups[1].Value).ToHashSet();

    [GeneratedRegex(@"(?m)^\s*expr:\s*(.+)$")]
    private static partial Regex ExprLine();

    [GeneratedRegex(@"\b(?:transportguard|process)_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@"(?m)^# TYPE (\S+) ")]
    private static partial Regex TypeLine();
}
