using System.Net;
using Microsoft.Extensions.Options;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Transport;

/// <summary>Bounds concurrent sessions in total and per client address (Postfix smtpd_client_connection_count_limit).</summary>
internal sealed class ConnectionLimiter(IOptions<SmtpLimits> limits)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private int _total;

    public int Active
    {
        get
        {
            lock (_lock)
                return _total;
        }
    }

    /// <summary>Takes a slot for the client, or returns the 421 reply to send before closing.</summary>
    public SmtpReply? TryAcquire(IPAddress client)
    {
        lock (_lock)
        {
            if (_total >= limits.Value.MaxSessions)
                return SmtpReplies.TooManyConnections;
            var count = _perClient.GetValueOrDefault(client);
            if (count >= limits.Value.MaxSessionsPerClient)
                return SmtpReplies.TooManyConnectionsFromClient;
            _perClient[client] = count + 1;
            _total++;
            return null;
        }
    }

    public void Release(IPAddress client)
    {
        lock (_lock)
        {
            _total--;
            if (_perClient.TryGetValue(client, out var count) && count > 1)
                _perClient[client] = count - 1;
            else
                _perClient.Remove(client);
        }
    }
}
