using System.Text.Json.Nodes;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>
/// The shipped deployments start: each node's arguments and environment, as compose and Kubernetes would give them,
/// pass the gateway's own validation (`transportguard --check`), secrets mounted where the files say. Peers are named
/// by DNS name, which the gateway once refused (issue 14).
/// </summary>
public sealed class GatewayValidationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_compose_node_passes_the_gateways_own_validation_with_its_secret_mounted()
    {
        var compose = ComposeFile.Load();
        var secrets = TempDirectory.Create("compose-secrets");
        foreach (var (name, node) in compose.Nodes)
        {
            var environment = ComposeFile.Environment(node).ToDictionary(e => e.Key, e => Substituted(e.Value));
            foreach (var secret in node.Texts("secrets"))
            {
                // Compose mounts each secret at /run/secrets/NAME; the node must name that file.
                Assert.Equal($"/run/secrets/{secret}", environment["TG_Cluster__SecretFile"]);
                Assert.NotNull(compose.Root.Find("secrets", secret, "file"));
                environment["TG_Cluster__SecretFile"] = WriteSecret(secrets, secret);
            }
            var check = await CheckAsync(ComposeFile.Command(node), environment);
            Assert.True(check.ExitCode == 0, $"{name}: {check.Error}");
        }
    }

    [Fact]
    public async Task The_kubernetes_pods_pass_the_gateways_own_validation_with_the_configmap_and_the_cluster_secret()
    {
        var statefulSet = KubernetesManifests.All().Single("StatefulSet");
        var container = Assert.Single(statefulSet.PodSpec.Items("containers"));
        var files = TempDirectory.Create("k8s-files");
        var config = Path.Combine(files, ConfigMapSettings.FileName);
        await File.WriteAllTextAsync(config, ConfigMapSettings.Text(), TestContext.Current.CancellationToken);

        var secretFile = EnvValue(container, "TG_Cluster__SecretFile");
        var mount = Assert.Single(container.Items("volumeMounts"), m => secretFile.StartsWith(m.Text("mountPath") + "/", StringComparison.Ordinal));
        var volume = Assert.Single(statefulSet.PodSpec.Items("volumes"), v => v.Text("name") == mount.Text("name"));
        Assert.Equal("transportguard-cluster", volume.Text("secret", "secretName"));
        Assert.Equal(secretFile, $"{mount.Text("mountPath")}/secret"); // the key the README's kubectl command makes

        for (var pod = 0; pod < statefulSet.Root.Number("spec", "replicas"); pod++)
        {
            var podName = $"{statefulSet.Name}-{pod}";
            var args = container.Texts("args").Select(a => a.Replace("$(POD_NAME)", podName, StringComparison.Ordinal)
                .Replace("/etc/transportguard/appsettings.json", config, StringComparison.Ordinal)).ToList();
            var environment = new Dictionary<string, string>
            {
                ["POD_NAME"] = podName,
                ["TG_Http__AdminToken"] = "a-token-from-the-secret",
                ["TG_Cluster__SecretFile"] = WriteSecret(files, "secret"),
            };
            var check = await CheckAsync(args, environment);
            Assert.True(check.ExitCode == 0, $"{podName}: {check.Error}");

            environment.Remove("TG_Cluster__SecretFile"); // the validation is real: without the secret a pod does not start
            var refused = await CheckAsync(args, environment);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("Cluster:Secret (or Cluster:SecretFile) must be set", refused.Error, StringComparison.Ordinal);
        }
    }

    private static Task<ProcessRunner.Result> CheckAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment) =>
        ProcessRunner.RunAsync("dotnet", [GatewayProcess.Executable, "--check", .. args], Timeout, environment: environment);

    private static string EnvValue(JsonNode container, string name) =>
        Assert.Single(container.Items("env"), e => e.Text("name") == name).Text("value");

    /// <summary>"${TG_ADMIN_TOKEN:?...}" as compose would fill it from deploy/.env.</summary>
    private static string Substituted(string value) => value.StartsWith("${", StringComparison.Ordinal) ? "a-token-from-deploy-env" : value;

    private static string WriteSecret(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, "0123456789abcdef0123456789abcdef\n");
        return path;
    }
}
