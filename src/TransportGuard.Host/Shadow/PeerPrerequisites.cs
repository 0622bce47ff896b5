using Microsoft.Extensions.Options;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Cluster;

namespace TransportGuard.Shadow;

/// <summary>A node with peers refuses to start without what peer sessions need (docs/security.md): a cluster secret
/// to prove ids with, and a TLS certificate (configured or generated) to encrypt them with.</summary>
internal sealed class PeerPrerequisites(IOptions<ClusterOptions> cluster, IOptions<TlsOptions> tls) : IValidateOptions<ShadowOptions>
{
    public ValidateOptionsResult Validate(string? name, ShadowOptions options)
    {
        if (options.PeerList().Count == 0)
            return ValidateOptionsResult.Success;
        var failures = new List<string>();
        if (!cluster.Value.HasSecret)
            failures.Add($"{ClusterOptions.Section}:{nameof(ClusterOptions.Secret)} (or {ClusterOptions.Section}:{nameof(ClusterOptions.SecretFile)}) must be set when {ShadowOptions.Section}:{nameof(ShadowOptions.Peers)} names peers: each peer proves its node id with it");
        if (tls.Value.CertificatePath is null && !tls.Value.GenerateSelfSigned)
            failures.Add($"{TlsOptions.Section}:{nameof(TlsOptions.GenerateSelfSigned)} must stay true (or {TlsOptions.Section}:{nameof(TlsOptions.CertificatePath)} be set) when {ShadowOptions.Section}:{nameof(ShadowOptions.Peers)} names peers: peer sessions are encrypted");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
