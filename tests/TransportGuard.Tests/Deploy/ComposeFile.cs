using System.Text.Json.Nodes;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>deploy/docker-compose.yml: its services, and which of them are gateway nodes (those given --node-id).</summary>
internal sealed class ComposeFile
{
    public const string RelativePath = "deploy/docker-compose.yml";

    private ComposeFile(JsonNode root) => Root = root;

    public JsonNode Root { get; }

    public static ComposeFile Load() => new(YamlDocuments.LoadSingle(RelativePath));

    public IReadOnlyDictionary<string, JsonNode> Services =>
        Root.At("services").AsObject().ToDictionary(s => s.Key, s => s.Value!, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, JsonNode> Nodes =>
        Services.Where(s => Command(s.Value).Contains("--node-id")).ToDictionary(StringComparer.Ordinal);

    public static IReadOnlyList<string> Command(JsonNode service) => service.Find("command") is JsonArray ? service.Texts("command") : [];

    public static IReadOnlyDictionary<string, string> Environment(JsonNode service) => service.Strings("environment");

    /// <summary>The container side of each "HOST_IP:HOST_PORT:CONTAINER_PORT" entry.</summary>
    public static IReadOnlyList<int> ContainerPorts(JsonNode service) =>
        [.. service.Texts("ports").Select(GatewaySwitches.PortOf)];

    /// <summary>Short-syntax volumes as (source, target): "tg1-data:/var/lib/x" or "../dashboards:/etc/x:ro".</summary>
    public static IReadOnlyList<(string Source, string Target)> Volumes(JsonNode service) =>
        [.. service.Texts("volumes").Select(v => v.Split(':')).Select(parts => (parts[0], parts[1]))];

    /// <summary>A bind-mount source as a repository-relative path (compose resolves it from the file's folder).</summary>
    public static string FromComposeFolder(string source) =>
        RepositoryFiles.Relative(Path.GetFullPath(Path.Combine(RepositoryFiles.PathOf("deploy"), source)));

    public static bool IsBindMount(string source) => source.StartsWith('.') || source.StartsWith('/');
}
