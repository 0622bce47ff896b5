namespace TransportGuard.Tests.Support;

/// <summary>The switches of a two-node cluster's nodes: an edge on 127.0.0.2 and a hub on 127.0.0.3, peers of each
/// other, delivering (docs/protocol.md).</summary>
internal static class TwoNodes
{
    public static string[] Args(string id, string address, int port, int edgePort, int hubPort, string relayTo, params string[] extra) =>
        ["--node-id", id, "--smtp", $"{address}:{port}", "--http", $"{address}:0", "--relay-to", relayTo, "--Queue:Suspended", "false",
         "--peer", $"edge@127.0.0.2:{edgePort}", "--peer", $"hub@127.0.0.3:{hubPort}", .. PeerSession.Args, .. extra];
}
