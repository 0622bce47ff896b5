using System.Text.Json.Nodes;

namespace TransportGuard.Tests.Deploy;

/// <summary>The appsettings.json that configmap.yaml gives the nodes.</summary>
internal static class ConfigMapSettings
{
    public const string FileName = "appsettings.json";

    public static string Text()
    {
        var map = KubernetesManifests.All().Named("ConfigMap", "transportguard-config");
        return map.Root.Text("data", FileName);
    }

    public static JsonNode Load() => JsonNode.Parse(Text()) ?? throw new InvalidDataException("configmap.yaml: appsettings.json is null");
}
