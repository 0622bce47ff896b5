using Microsoft.Extensions.Options;
using TransportGuard.Spool;

namespace TransportGuard.Shadow;

/// <summary>Who this node is to its peers: its id and its spool's incarnation id.</summary>
internal sealed class NodeIdentity(IOptions<ShadowOptions> shadow, IOptions<SpoolOptions> spool)
{
    private readonly Lazy<string> _incarnation = new(() => Incarnation.LoadOrCreate(spool.Value.SpoolDirectory));

    public string NodeId => shadow.Value.NodeId;
    public string IncarnationId => _incarnation.Value;
}
