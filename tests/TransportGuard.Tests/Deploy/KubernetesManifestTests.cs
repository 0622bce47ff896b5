namespace TransportGuard.Tests.Deploy;

/// <summary>What every manifest in deploy/k8s needs, whatever its kind.</summary>
public sealed class KubernetesManifestTests
{
    private readonly IReadOnlyList<Manifest> _manifests = KubernetesManifests.All();

    [Fact]
    public void Every_object_has_an_api_version_a_kind_and_a_name()
    {
        Assert.NotEmpty(_manifests);
        foreach (var manifest in _manifests)
        {
            Assert.False(string.IsNullOrWhiteSpace(manifest.Root.Text("apiVersion")), $"{manifest.File}: no apiVersion");
            Assert.False(string.IsNullOrWhiteSpace(manifest.Kind), $"{manifest.File}: no kind");
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", manifest.Name); // RFC 1123 label, as Services require
        }
    }

    [Fact]
    public void Namespaced_objects_are_in_the_transportguard_namespace()
    {
        var ns = _manifests.Single("Namespace").Name;
        Assert.Equal("transportguard", ns);
        foreach (var manifest in _manifests.Where(m => m.Kind != "Namespace"))
            Assert.True(manifest.Namespace == ns, $"{manifest} is in namespace '{manifest.Namespace}'");
        Assert.Equal(ns, YamlDocuments.LoadSingle($"{KubernetesManifests.Folder}/{KubernetesManifests.Kustomization}").Text("namespace"));
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_in_the_folder()
    {
        var kustomization = YamlDocuments.LoadSingle($"{KubernetesManifests.Folder}/{KubernetesManifests.Kustomization}");
        Assert.Equal("Kustomization", kustomization.Text("kind"));
        Assert.Equal(KubernetesManifests.Files(), kustomization.Texts("resources").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Names_are_unique_per_kind()
    {
        var keys = _manifests.Select(m => $"{m.Kind}/{m.Name}").ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Every_workload_selects_its_own_pod_template()
    {
        foreach (var workload in _manifests.Workloads())
        {
            var selector = workload.Root.Strings("spec", "selector", "matchLabels");
            var labels = workload.Root.Strings("spec", "template", "metadata", "labels");
            Assert.True(KubernetesManifests.Selects(selector, labels), $"{workload}: selector does not match the template labels");
        }
    }

    [Fact]
    public void Every_pod_meets_the_restricted_pod_security_standard_the_namespace_enforces()
    {
        Assert.Equal("restricted", _manifests.Single("Namespace").Root.Text("metadata", "labels", "pod-security.kubernetes.io/enforce"));
        foreach (var workload in _manifests.Workloads())
        {
            var pod = workload.PodSpec;
            Assert.Equal("true", pod.Text("securityContext", "runAsNonRoot"));
            Assert.Equal("RuntimeDefault", pod.Text("securityContext", "seccompProfile", "type"));
            foreach (var container in pod.Items("containers"))
            {
                Assert.Equal("false", container.Text("securityContext", "allowPrivilegeEscalation"));
                Assert.Equal(new[] { "ALL" }, container.Texts("securityContext", "capabilities", "drop"));
                Assert.NotNull(container.Find("resources", "requests"));
                Assert.NotNull(container.Find("resources", "limits", "memory"));
            }
        }
    }
}
