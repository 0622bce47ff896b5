using System.Globalization;
using System.Text.Json.Nodes;

namespace TransportGuard.Tests.Deploy;

/// <summary>Required-value access into parsed YAML: a missing key fails the test naming the path it looked for.</summary>
internal static class JsonNodeAccess
{
    public static JsonNode At(this JsonNode node, params string[] keys)
    {
        var current = node;
        foreach (var key in keys)
            current = current[key] ?? throw new Xunit.Sdk.XunitException($"{node.GetPath()} has no {string.Join('.', keys)}");
        return current;
    }

    public static JsonNode? Find(this JsonNode node, params string[] keys)
    {
        JsonNode? current = node;
        foreach (var key in keys)
            current = current?[key];
        return current;
    }

    public static string Text(this JsonNode node, params string[] keys) => node.At(keys).GetValue<string>();

    public static int Number(this JsonNode node, params string[] keys) => int.Parse(node.Text(keys), CultureInfo.InvariantCulture);

    public static IReadOnlyList<JsonNode> Items(this JsonNode node, params string[] keys) =>
        [.. node.At(keys).AsArray().Select(item => item ?? throw new Xunit.Sdk.XunitException($"null item under {string.Join('.', keys)}"))];

    public static IReadOnlyList<string> Texts(this JsonNode node, params string[] keys) => [.. node.Items(keys).Select(i => i.GetValue<string>())];

    /// <summary>A mapping of strings (labels, selectors, environment) as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> Strings(this JsonNode node, params string[] keys) =>
        node.At(keys).AsObject().ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
}
