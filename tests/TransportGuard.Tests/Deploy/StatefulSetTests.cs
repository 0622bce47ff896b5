using System.Globalization;
using System.Text.Json.Nodes;

namespace TransportGuard.Tests.Deploy;

/// <summary>The gateway StatefulSet: stable identities, peers by DNS name, ports and probes that agree with the switches.</summary>
public sealed class StatefulSetTests
{
    private readonly IReadOnlyList<Manifest> _manifests = KubernetesManifests.All();
    private Manifest StatefulSet => _manifests.Single("StatefulSet");
    private JsonNode Gateway => Assert.Single(StatefulSet.PodSpec.Items("containers"));
    private IReadOnlyList<string> Args => Gateway.Texts("args");

    [Fact]
    public void Its_service_name_is_the_headless_service_that_publishes_not_ready_pods()
    {
        var peers = _manifests.Named("Service", StatefulSet.Root.Text("spec", "serviceName"));
        Assert.Equal("None", peers.Root.Text("spec", "clusterIP"));
        Assert.Equal("true", peers.Root.Text("spec", "publishNotReadyAddresses"));
        Assert.True(KubernetesManifests.Selects(peers.Root.Strings("spec", "selector"), StatefulSet.Root.Strings("spec", "template", "metadata", "labels")));
    }

    [Fact]
    public void Container_ports_are_the_ports_of_the_smtp_and_http_switches()
    {
        Assert.Equal(GatewaySwitches.ListenPort(Args, "--smtp"), KubernetesManifests.ResolvePort(Gateway, "smtp"));
        Assert.Equal(GatewaySwitches.ListenPort(Args, "--http"), KubernetesManifests.ResolvePort(Gateway, "http"));
        Assert.Equal(2, Gateway.Items("ports").Count);
    }

    [Theory]
    [InlineData("startupProbe", "/healthz")]
    [InlineData("livenessProbe", "/healthz")]
    [InlineData("readinessProbe", "/readyz")]
    public void Probes_ask_the_http_listener(string probe, string path)
    {
        Assert.Equal(path, Gateway.Text(probe, "httpGet", "path"));
        Assert.Equal(GatewaySwitches.ListenPort(Args, "--http"), KubernetesManifests.ResolvePort(Gateway, Gateway.Text(probe, "httpGet", "port")));
    }

    [Fact]
    public void The_node_id_is_the_pod_name_from_the_downward_api()
    {
        Assert.Equal("$(POD_NAME)", GatewaySwitches.Single(Args, "--node-id"));
        var podName = Assert.Single(Gateway.Items("env"), e => e.Text("name") == "POD_NAME");
        Assert.Equal("metadata.name", podName.Text("valueFrom", "fieldRef", "fieldPath"));
    }

    [Fact]
    public void Peers_are_every_pod_by_its_stable_name_under_the_headless_service()
    {
        // One Pod template for all replicas, so each node gets the whole list and skips its own --node-id.
        var name = StatefulSet.Name;
        var domain = $"{StatefulSet.Root.Text("spec", "serviceName")}.{StatefulSet.Namespace}.svc.cluster.local";
        var smtp = GatewaySwitches.ListenPort(Args, "--smtp");
        var expected = Enumerable.Range(0, StatefulSet.Root.Number("spec", "replicas"))
            .Select(i => new PeerSwitch($"{name}-{i}", $"{name}-{i}.{domain}", smtp));
        Assert.Equal(expected, GatewaySwitches.Peers(Args));
        Assert.Equal(3, StatefulSet.Root.Number("spec", "replicas"));
    }

    [Fact]
    public void The_spool_is_a_volume_claim_per_pod_mounted_at_the_data_switch()
    {
        var claim = Assert.Single(StatefulSet.Root.Items("spec", "volumeClaimTemplates"));
        Assert.Equal(new[] { "ReadWriteOnce" }, claim.Texts("spec", "accessModes"));
        var mount = Assert.Single(Gateway.Items("volumeMounts"), m => m.Text("name") == claim.Text("metadata", "name"));
        Assert.Equal(GatewaySwitches.Single(Args, "--data"), mount.Text("mountPath"));
    }

    [Fact]
    public void The_config_map_is_mounted_where_the_config_switch_reads_it()
    {
        var config = GatewaySwitches.Single(Args, "--config");
        var volume = Assert.Single(StatefulSet.PodSpec.Items("volumes"), v => v.Find("configMap") is not null);
        var mount = Assert.Single(Gateway.Items("volumeMounts"), m => m.Text("name") == volume.Text("name"));
        Assert.Equal(Path.GetDirectoryName(config), mount.Text("mountPath"));
        var map = _manifests.Named("ConfigMap", volume.Text("configMap", "name"));
        Assert.NotNull(map.Root.Find("data", Path.GetFileName(config)));
    }

    [Fact]
    public void It_runs_as_the_image_user_and_owns_its_volume()
    {
        var user = DockerfileInstructions.Load().Last("USER").Arguments.Split(':')[0];
        Assert.Equal(user, StatefulSet.PodSpec.Text("securityContext", "runAsUser"));
        Assert.Equal(user, StatefulSet.PodSpec.Text("securityContext", "fsGroup"));
    }

    [Fact]
    public void A_stopping_pod_drains_before_the_kubelet_kills_it()
    {
        var settings = ConfigMapSettings.Load();
        var sessions = TimeSpan.Parse(settings.Text("Smtp", "ShutdownGrace"), CultureInfo.InvariantCulture);
        var host = TimeSpan.FromSeconds(settings.At("shutdownTimeoutSeconds").GetValue<int>());
        var kubelet = TimeSpan.FromSeconds(StatefulSet.PodSpec.Number("terminationGracePeriodSeconds"));
        Assert.True(sessions < host && host < kubelet, $"sessions {sessions}, host {host}, kubelet {kubelet}");
    }

    [Fact]
    public void Scrape_annotations_point_at_metrics_on_the_http_port()
    {
        var annotations = StatefulSet.Root.Strings("spec", "template", "metadata", "annotations");
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(GatewaySwitches.ListenPort(Args, "--http").ToString(CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }
}
