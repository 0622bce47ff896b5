using Microsoft.Extensions.Options;
using TransportGuard.Smtp.Cluster;

namespace TransportGuard.Shadow;

/// <summary>A node with peers and no cluster secret refuses to start (docs/security.md): its peers could not prove
/// who they are, and nothing else may stand in for that.</summary>
internal sealed class PeersNeedASecret(IOptions<ClusterOptions> cluster) : IValidateOptions<ShadowOptions>
{
    public ValidateOptionsResult Validate(string? name, ShadowOptions options) =>
        options.PeerList().Count > 0 && string.IsNullOrEmpty(cluster.Value.Secret) && string.IsNullOrEmpty(cluster.Value.SecretFile)
            ? ValidateOptionsResult.Fail($"{ClusterOptions.Section}:{nameof(ClusterOptions.Secret)} (or {ClusterOptions.Section}:{nameof(ClusterOptions.SecretFile)}) must be set when {ShadowOptions.Section}:{nameof(ShadowOptions.Peers)} names peers: each peer proves its node id with it")
            : ValidateOptionsResult.Success;
}
