using System.Globalization;
using System.Text.RegularExpressions;

namespace TransportGuard.Tests.Support;

/// <summary>
/// Three real gateway processes, peers of each other: an edge relaying to hub1 (then hub2 as the alternative route),
/// each hub relaying to its own scripted sink (docs/protocol.md). Each on its own loopback address, named by
/// address; or, as operators also run them, all on one address and named by DNS name (docs/security.md).
/// </summary>
internal sealed partial class ShadowCluster : IAsyncDisposable
{
    private readonly Dictionary<string, (string Address, int Port, string Data)> _nodes = new()
    {
        ["edge"] = ("127.0.0.2", PostfixInstance.FreePort(), TempDirectory.Create("edge")),
        ["hub1"] = ("127.0.0.3", PostfixInstance.FreePort(), TempDirectory.Create("hub1")),
        ["hub2"] = ("127.0.0.4", PostfixInstance.FreePort(), TempDirectory.Create("hub2")),
    };
    private readonly Dictionary<string, string> _relays = [];
    private string[] _extra = [];
    private bool _oneHostByName;

    public GatewayProcess Edge { get; private set; } = null!;
    public GatewayProcess Hub1 { get; private set; } = null!;
    public GatewayProcess Hub2 { get; private set; } = null!;

    /// <param name="extra">Switches every node gets too (a shared duplicate store, say).</param>
    public static Task<ShadowCluster> StartAsync(ScriptedNextHop hub1Sink, ScriptedNextHop hub2Sink, params string[] extra) =>
        StartAsync(hub1Sink, hub2Sink, oneHostByName: false, extra);

    /// <param name="oneHostByName">Every node on 127.0.0.1 (told apart by port), each knowing the others only as
    /// localhost:PORT, resolved by DNS.</param>
    public static async Task<ShadowCluster> StartAsync(ScriptedNextHop hub1Sink, ScriptedNextHop hub2Sink, bool oneHostByName, params string[] extra)
    {
        var cluster = new ShadowCluster { _extra = extra, _oneHostByName = oneHostByName };
        if (oneHostByName)
        {
            foreach (var node in cluster._nodes.Keys.ToList())
                cluster._nodes[node] = cluster._nodes[node] with { Address = "127.0.0.1" };
        }
        cluster._relays["edge"] = $"{cluster.Endpoint("hub1")},{cluster.Endpoint("hub2")}";
        cluster._relays["hub1"] = $"127.0.0.1:{hub1Sink.Port}";
        cluster._relays["hub2"] = $"127.0.0.1:{hub2Sink.Port}";
        cluster.Hub1 = await cluster.StartNodeAsync("hub1");
        cluster.Hub2 = await cluster.StartNodeAsync("hub2");
        cluster.Edge = await cluster.StartNodeAsync("edge");
        return cluster;
    }

    /// <summary>How the others name a node: its address, or "localhost" when all share one.</summary>
    public string Endpoint(string node) => $"{(_oneHostByName ? "localhost" : _nodes[node].Address)}:{_nodes[node].Port}";

    /// <summary>Starts (or restarts, on the same spool) one node with the stable switches scripts use.</summary>
    public async Task<GatewayProcess> StartNodeAsync(string node)
    {
        var (address, port, data) = _nodes[node];
        var process = await GatewayProcess.StartAsync(data, [
            "--node-id", node, "--smtp", $"{address}:{port}", "--http", $"{address}:0", "--relay-to", _relays[node],
            .. _nodes.Keys.SelectMany(peer => new[] { "--peer", $"{peer}@{Endpoint(peer)}" }), .. PeerSession.Args,
            "--Queue:Suspended", "false", "--Queue:RetryInitialDelay", "00:00:00.300", "--Queue:RetryMaxDelay", "00:00:00.600", "--Queue:RetryJitter", "0",
            .. _extra]);
        if (node == "hub1")
            Hub1 = process;
        return process;
    }

    /// <summary>When a node's log says it took over a peer's shadows.</summary>
    public static DateTime? TakeoverAt(GatewayProcess node, string peer) =>
        TakeoverLine().Matches(node.Output).Where(m => m.Groups[2].Value == peer)
            .Select(m => DateTime.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal))
            .Cast<DateTime?>().FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in new[] { Edge, Hub1, Hub2 }.OfType<GatewayProcess>())
            await node.DisposeAsync();
        foreach (var (_, _, data) in _nodes.Values)
            TempDirectory.Delete(data);
    }

    [GeneratedRegex(@"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z warn: TransportGuard\.Shadow\.ShadowManager\[5100\] Peer (\S+) is down")]
    private static partial Regex TakeoverLine();
}
