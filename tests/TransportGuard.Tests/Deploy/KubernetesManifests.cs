using System.Globalization;
using System.Text.Json.Nodes;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>One object of deploy/k8s and the file it came from.</summary>
internal sealed record Manifest(string File, JsonNode Root)
{
    public string Kind => Root.Text("kind");
    public string Name => Root.Text("metadata", "name");
    public string? Namespace => Root.Find("metadata", "namespace")?.GetValue<string>();

    /// <summary>The Pod spec of a workload (StatefulSet, Deployment).</summary>
    public JsonNode PodSpec => Root.At("spec", "template", "spec");

    public override string ToString() => $"{Kind}/{Name} ({File})";
}

/// <summary>Every object in deploy/k8s (multi-document files included), and lookups the tests share.</summary>
internal static class KubernetesManifests
{
    public const string Folder = "deploy/k8s";
    public const string Kustomization = "kustomization.yaml";

    public static IReadOnlyList<string> Files() =>
        [.. Directory.GetFiles(RepositoryFiles.PathOf(Folder)).Select(Path.GetFileName).OfType<string>()
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Where(f => f != Kustomization).Order(StringComparer.Ordinal)];

    public static IReadOnlyList<Manifest> All() =>
        [.. Files().SelectMany(f => YamlDocuments.Load($"{Folder}/{f}").Select(root => new Manifest(f, root)))];

    public static Manifest Single(this IReadOnlyList<Manifest> manifests, string kind) => Assert.Single(manifests, m => m.Kind == kind);

    public static Manifest Named(this IReadOnlyList<Manifest> manifests, string kind, string name) =>
        Assert.Single(manifests, m => m.Kind == kind && m.Name == name);

    public static IReadOnlyList<Manifest> Workloads(this IReadOnlyList<Manifest> manifests) =>
        [.. manifests.Where(m => m.Kind is "StatefulSet" or "Deployment")];

    /// <summary>True when every label of the selector is on the object (matchLabels semantics).</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>A container port given by name or by number, as its number.</summary>
    public static int ResolvePort(JsonNode container, string port)
    {
        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return number;
        var named = container.Items("ports").Where(p => p.Text("name") == port).ToList();
        return named.Count == 1 ? named[0].Number("containerPort")
            : throw new Xunit.Sdk.XunitException($"container {container.Text("name")} has {named.Count} ports named '{port}'");
    }
}
