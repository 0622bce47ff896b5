namespace TransportGuard.Spool;

/// <summary>A node without peers: durable here is all there is before the 250.</summary>
public sealed class NoRedundancy : IRedundancyGate
{
    public string? PlanHolder(SpooledEnvelope envelope) => null;

    public Task ProtectAsync(SpooledMessage message, string plannedHolder) => Task.CompletedTask;
}
