using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Deploy;

/// <summary>
/// YAML files as <see cref="JsonNode"/> trees, so tests walk them with indexers. Scalars stay strings: what "0755" or
/// "on" means is up to the program that reads the file, and the tests compare text.
/// </summary>
internal static class YamlDocuments
{
    /// <summary>Every document of a (possibly multi-document) file; an empty document is an error.</summary>
    public static IReadOnlyList<JsonNode> Load(string relativePath)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryFiles.PathOf(relativePath)))
            stream.Load(reader);
        return [.. stream.Documents.Select(d => ToJson(d.RootNode) ?? throw new InvalidDataException($"{relativePath} holds an empty document"))];
    }

    public static JsonNode LoadSingle(string relativePath) => Assert.Single(Load(relativePath));

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToObject(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidDataException($"unexpected YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonObject ToObject(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? throw new InvalidDataException($"non-scalar key at {key.Start}");
            result.Add(name, ToJson(value)); // throws on a duplicate key, which YAML forbids and kubectl rejects
        }
        return result;
    }
}
