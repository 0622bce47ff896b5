using System.Text.Json.Serialization;

namespace TransportGuard.Spool;

/// <summary>Compile-time JSON contracts for spool records: recovery decodes one envelope per queued message, so
/// reflection-free (de)serialization keeps recovery of 100,000 messages within its budget.</summary>
[JsonSerializable(typeof(SpooledEnvelope))]
[JsonSerializable(typeof(SpoolStateChange))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class SpoolJson : JsonSerializerContext;
