namespace TransportGuard.Tests.Deploy;

/// <summary>The Services and the ServiceMonitor reach what they name: pods and their ports.</summary>
public sealed class KubernetesServiceTests
{
    private readonly IReadOnlyList<Manifest> _manifests = KubernetesManifests.All();

    [Fact]
    public void Every_service_selects_a_workload_and_its_target_ports_exist_on_that_workload()
    {
        foreach (var service in _manifests.Where(m => m.Kind == "Service"))
        {
            var selector = service.Root.Strings("spec", "selector");
            var workload = Assert.Single(_manifests.Workloads(),
                w => KubernetesManifests.Selects(selector, w.Root.Strings("spec", "template", "metadata", "labels")));
            var container = Assert.Single(workload.PodSpec.Items("containers"));
            foreach (var port in service.Root.Items("spec", "ports"))
                KubernetesManifests.ResolvePort(container, port.Text("targetPort")); // fails if the port is not there
        }
    }

    [Fact]
    public void The_smtp_service_takes_port_25_to_the_smtp_listener()
    {
        var service = _manifests.Named("Service", "transportguard-smtp");
        var port = Assert.Single(service.Root.Items("spec", "ports"));
        Assert.Equal(25, port.Number("port"));
        var gateway = Assert.Single(_manifests.Single("StatefulSet").PodSpec.Items("containers"));
        Assert.Equal(GatewaySwitches.ListenPort(gateway.Texts("args"), "--smtp"), KubernetesManifests.ResolvePort(gateway, port.Text("targetPort")));
    }

    [Fact]
    public void The_service_monitor_selects_the_peers_service_and_its_http_port_by_name()
    {
        var monitor = _manifests.Single("ServiceMonitor");
        Assert.Equal("monitoring.coreos.com/v1", monitor.Root.Text("apiVersion"));
        var selector = monitor.Root.Strings("spec", "selector", "matchLabels");
        var service = Assert.Single(_manifests.Where(m => m.Kind == "Service"), s => KubernetesManifests.Selects(selector, s.Root.Strings("metadata", "labels")));
        Assert.Equal(_manifests.Single("StatefulSet").Root.Text("spec", "serviceName"), service.Name);
        var endpoint = Assert.Single(monitor.Root.Items("spec", "endpoints"));
        Assert.Equal("/metrics", endpoint.Text("path"));
        var port = Assert.Single(service.Root.Items("spec", "ports"), p => p.Text("name") == endpoint.Text("port"));
        var gateway = Assert.Single(_manifests.Single("StatefulSet").PodSpec.Items("containers"));
        Assert.Equal(GatewaySwitches.ListenPort(gateway.Texts("args"), "--http"), KubernetesManifests.ResolvePort(gateway, port.Text("targetPort")));
    }
}
