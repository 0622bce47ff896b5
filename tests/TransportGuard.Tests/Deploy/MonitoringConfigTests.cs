namespace TransportGuard.Tests.Deploy;

/// <summary>Prometheus and Grafana in the compose cluster: what they read is what compose mounts, and they find the nodes.</summary>
public sealed class MonitoringConfigTests
{
    private const string PrometheusConfig = "dashboards/prometheus/prometheus-compose.yml";
    private readonly ComposeFile _compose = ComposeFile.Load();

    [Fact]
    public void Prometheus_scrapes_every_node_at_its_http_port_and_nothing_else()
    {
        var job = Assert.Single(YamlDocuments.LoadSingle(PrometheusConfig).Items("scrape_configs"));
        Assert.Equal("/metrics", job.Text("metrics_path"));
        var targets = job.Items("static_configs").SelectMany(c => c.Texts("targets")).Order();
        var nodes = _compose.Nodes.Select(n => $"{n.Key}:{GatewaySwitches.ListenPort(ComposeFile.Command(n.Value), "--http")}").Order();
        Assert.Equal(nodes, targets);
    }

    [Fact]
    public void Prometheus_runs_on_this_configuration_with_the_alert_rules_beside_it()
    {
        var prometheus = _compose.Services["prometheus"];
        var (_, folder) = Assert.Single(ComposeFile.Volumes(prometheus), v => ComposeFile.FromComposeFolder(v.Source) == Path.GetDirectoryName(PrometheusConfig));
        Assert.Contains($"--config.file={folder}/{Path.GetFileName(PrometheusConfig)}", ComposeFile.Command(prometheus));
        // A relative rule file resolves against the configuration's folder, which compose mounts whole.
        Assert.Equal(new[] { "alerts.yml" }, YamlDocuments.LoadSingle(PrometheusConfig).Texts("rule_files"));
    }

    [Fact]
    public void The_grafana_datasource_is_the_prometheus_service()
    {
        var datasource = Assert.Single(YamlDocuments.LoadSingle("deploy/grafana/provisioning/datasources/prometheus.yml").Items("datasources"));
        Assert.Equal("prometheus", datasource.Text("type"));
        var url = new Uri(datasource.Text("url"));
        Assert.True(_compose.Services.TryGetValue(url.Host, out var prometheus), $"{url} names no compose service");
        Assert.Contains(url.Port, ComposeFile.ContainerPorts(prometheus));
    }

    [Fact]
    public void Grafana_loads_its_provisioning_and_the_repository_dashboards_from_what_compose_mounts()
    {
        var grafana = _compose.Services["grafana"];
        var mounts = ComposeFile.Volumes(grafana).Where(v => ComposeFile.IsBindMount(v.Source))
            .ToDictionary(v => ComposeFile.FromComposeFolder(v.Source), v => v.Target, StringComparer.Ordinal);
        Assert.Equal("/etc/grafana/provisioning", mounts["deploy/grafana/provisioning"]);
        var provider = Assert.Single(YamlDocuments.LoadSingle("deploy/grafana/provisioning/dashboards/transportguard.yml").Items("providers"));
        Assert.Equal(mounts["dashboards/grafana"], provider.Text("options", "path"));
    }
}
