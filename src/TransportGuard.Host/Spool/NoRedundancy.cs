namespace TransportGuard.Spool;

/// <summary>A node without peers: durable here is all there is before the 250.</summary>
public sealed class NoRedundancy : IRedundancyGate
{
    public Task ProtectAsync(SpooledMessage message) => Task.CompletedTask;
}
