using System.Collections.Concurrent;
using System.Net;

namespace TransportGuard.Smtp;

/// <summary>
/// A node being drained for maintenance takes no new mail: connections get 421 4.3.2, except from the addresses
/// exempted (its peers, whose heartbeats must still reach it so its discard notices are acknowledged).
/// </summary>
internal sealed class DrainState
{
    private readonly ConcurrentDictionary<IPAddress, byte> _exempt = new();

    public bool Draining { get; private set; }

    public void Begin(IEnumerable<IPAddress> exempt)
    {
        foreach (var address in exempt)
            _exempt[address] = 0;
        Draining = true;
    }

    /// <summary>A drain cancelled: mail is taken again from everyone.</summary>
    public void End()
    {
        Draining = false;
        _exempt.Clear();
    }

    public bool Refuses(IPAddress address) => Draining && !_exempt.ContainsKey(address);

    public static readonly Protocol.SmtpReply Refusal = new(421, "4.3.2", "Service not available: this node is being drained, try another");
}
