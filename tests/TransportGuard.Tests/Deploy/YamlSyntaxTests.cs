using TransportGuard.Tests.Support;
namespace TransportGuard.Tests.Deploy;

/// <summary>Every YAML file the deployment ships parses, has no empty document and no duplicate key.</summary>
public sealed class YamlSyntaxTests
{
    public static TheoryData<string> DeploymentYaml()
    {
        var files = Directory.EnumerateFiles(RepositoryFiles.PathOf("deploy"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(RepositoryFiles.Relative)
            .Append("dashboards/prometheus/prometheus-compose.yml")
            .Order(StringComparer.Ordinal);
        return [.. files];
    }

    [Theory]
    [MemberData(nameof(DeploymentYaml))]
    public void It_parses(string file) => Assert.NotEmpty(YamlDocuments.Load(file));

    [Fact]
    public void The_compose_file_and_the_manifests_are_among_them()
    {
        var files = DeploymentYaml().Select(row => row.Data).ToList();
        Assert.Contains(ComposeFile.RelativePath, files);
        Assert.Contains($"{KubernetesManifests.Folder}/statefulset.yaml", files);
        Assert.Contains("deploy/grafana/provisioning/datasources/prometheus.yml", files);
    }
}
