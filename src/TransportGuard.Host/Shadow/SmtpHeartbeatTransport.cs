using System.Globalization;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;

namespace TransportGuard.Shadow;

/// <summary>XQUERYDISCARD over a persistent SMTP session to the primary (reopened after any failure). Each query
/// says TAKEN while <paramref name="tookOver"/> holds (NONE otherwise): we declared the primary down, or hold takeover copies of its
/// messages it has not acknowledged, so it must ask before its lease may come back (HolderLeases).</summary>
internal sealed class SmtpHeartbeatTransport(Peer primary, PeerDirectory peers, SmtpClientProfile profile, TimeSpan timeout, TimeProvider time, Func<bool> tookOver) : IHeartbeatTransport
{
    private SmtpClientConnection? _connection;

    public async Task<DiscardReply> QueryAsync(long ack, CancellationToken cancellationToken)
    {
        var timeouts = new SmtpClientTimeouts(timeout, timeout, timeout);
        // Heartbeats never ask for XSHADOW (no node id in the profile); the session is authenticated and encrypted.
        _connection ??= await peers.ConnectAsync(primary, profile with { ShadowNodeId = null }, timeouts, time, cancellationToken);
        var taken = tookOver() ? " TAKEN" : " NONE";
        var reply = await _connection.CommandAsync($"XQUERYDISCARD {profile.ShadowNodeId} {ack.ToString(CultureInfo.InvariantCulture)}{taken}", timeout, cancellationToken);
        if (reply.Code != 250)
            throw new IOException($"{primary.Id} answered XQUERYDISCARD with {reply}");
        string? incarnation = null;
        long? batch = null;
        var discard = new List<string>();
        foreach (var line in reply.Lines)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts.FirstOrDefault())
            {
                case "INCARNATION" when parts.Length == 2:
                    incarnation = parts[1];
                    break;
                case "BATCH" when parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var token):
                    batch = token;
                    break;
                case "DISCARD":
                    discard.AddRange(parts.Skip(1));
                    break;
            }
        }
        if (incarnation is null || batch is null)
            throw new IOException($"{primary.Id} sent an XQUERYDISCARD reply without INCARNATION and BATCH");
        return new DiscardReply(incarnation, batch.Value, discard);
    }

    public async ValueTask ResetAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
            await connection.DisposeAsync();
    }

    public ValueTask DisposeAsync() => ResetAsync();
}
