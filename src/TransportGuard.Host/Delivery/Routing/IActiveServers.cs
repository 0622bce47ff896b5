namespace TransportGuard.Delivery.Routing;

/// <summary>Which server of a mailbox cluster takes its mail now (asked by <see cref="RouteTable"/> for every
/// recipient on a cluster route; answered by the cluster monitor, docs/safetynet.md, Mailbox clusters).</summary>
internal interface IActiveServers
{
    HostPort ActiveOf(MailboxClusterRoute route);
}

/// <summary>Without a monitor: always the first server, the active one at start.</summary>
internal sealed class FirstServers : IActiveServers
{
    public static readonly FirstServers Instance = new();

    public HostPort ActiveOf(MailboxClusterRoute route) => route.Servers[0];
}
