using System.Text.Json.Serialization;

namespace TransportGuard.Tracking;

/// <summary>The tracking log's line format, and the admin API's answer, compiled: camelCase names, enums by name,
/// nulls left out, so an event says only what its step knew (docs/tracking.md, Files).</summary>
[JsonSerializable(typeof(TrackingEvent))]
[JsonSerializable(typeof(TrackingResult))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
internal sealed partial class TrackingJson : JsonSerializerContext;
