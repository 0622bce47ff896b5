using System.Text.Json;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Clusters;

/// <summary>What a cluster route keeps across a restart: its active server, its failovers and the last of them.</summary>
internal sealed record PersistedCluster(string Route, HostPort Active, int Failovers, ClusterFailover? LastFailover);

/// <summary>
/// `DATA/mailbox-clusters.json`, written durably at every move before the Safety Net hears of it (docs/safetynet.md,
/// Mailbox clusters): after a restart a route stays on the standby it moved to (a stale old active back up must not
/// get the mail), and a failover whose resubmit the crash cut short is still known.
/// </summary>
internal static class ClusterStateFile
{
    public const string Name = "mailbox-clusters.json";

    public static IReadOnlyDictionary<string, PersistedCluster> Load(string path)
    {
        if (!File.Exists(path))
            return new Dictionary<string, PersistedCluster>();
        try
        {
            return (JsonSerializer.Deserialize<PersistedCluster[]>(File.ReadAllBytes(path)) ?? []).ToDictionary(c => c.Route, StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new Dictionary<string, PersistedCluster>(); // unreadable: start from the first servers, as before the first move
        }
    }

    public static void Save(string path, IEnumerable<PersistedCluster> clusters) =>
        DurableFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(clusters.ToArray()));
}
