namespace TransportGuard.Tests.Shadow;

/// <summary>
/// Tests that run several real nodes with 300 ms heartbeats run alone: on two cores, the rest of the suite running
/// beside them can delay a heartbeat past its timeout and make a node declare a live peer down.
/// </summary>
[CollectionDefinition(nameof(ClusterCollection), DisableParallelization = true)]
public sealed class ClusterCollection;
