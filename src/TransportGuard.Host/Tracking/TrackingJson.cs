using System.Text.Json.Serialization;

namespace TransportGuard.Tracking;

/// <summary>The tracking log's line format, compiled: camelCase names as the admin API's, enums by name, nulls left
/// out, so a line says only what its step knew (docs/tracking.md, Files).</summary>
[JsonSerializable(typeof(TrackingEvent))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
internal sealed partial class TrackingJson : JsonSerializerContext;
