namespace TransportGuard.Dedup;

/// <summary>This node's name in the entries it writes, so a suppressed duplicate's log line says who delivered the
/// original (the composition root gives the cluster's node id).</summary>
internal sealed record NodeName(string Value);
