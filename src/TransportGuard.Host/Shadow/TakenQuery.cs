using TransportGuard.Delivery.Smtp;

namespace TransportGuard.Shadow;

/// <summary>
/// The primary's side of XQUERYTAKEN (docs/protocol.md, Fencing): every page of the holder's answer, then, once
/// the primary has dropped what was taken, the acknowledgement that lets the holder forget its delivered copies.
/// </summary>
internal static class TakenQuery
{
    public static async Task<IReadOnlySet<string>> AskAsync(SmtpClientConnection holder, string nodeId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var reply = await holder.CommandAsync(after is null ? $"XQUERYTAKEN {nodeId}" : $"XQUERYTAKEN {nodeId} AFTER {after}", timeout, cancellationToken);
            if (reply.Code != 250)
                throw new IOException($"{holder.Remote} answered XQUERYTAKEN with {reply}");
            var next = reply.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .FirstOrDefault(p => p.Length == 2 && p[0] == "MORE")?[1];
            if (next is not null && after is not null && string.CompareOrdinal(next, after) <= 0)
                throw new IOException($"{holder.Remote} answered XQUERYTAKEN with a page that does not move on");
            taken.UnionWith(reply.Lines.Where(l => l.StartsWith("TAKEN ", StringComparison.Ordinal))
                .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)));
            after = next;
        }
        while (after is not null);
        return taken;
    }

    public static async Task AcknowledgeAsync(SmtpClientConnection holder, string nodeId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reply = await holder.CommandAsync($"XQUERYTAKEN {nodeId} ACK", timeout, cancellationToken);
        if (reply.Code != 250)
            throw new IOException($"{holder.Remote} answered XQUERYTAKEN ACK with {reply}");
    }
}
