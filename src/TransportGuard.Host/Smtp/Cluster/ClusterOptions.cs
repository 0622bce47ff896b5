using TransportGuard.Configuration;

namespace TransportGuard.Smtp.Cluster;

/// <summary>How the nodes of a cluster know each other (configuration section "Cluster"; docs/security.md).</summary>
internal sealed class ClusterOptions : IValidatable
{
    public const string Section = "Cluster";

    /// <summary>The secret every node of the cluster shares; a peer proves its node id with it on every session.
    /// Also TG_Cluster__Secret. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the secret (a Kubernetes or compose secret), read at start; surrounding white space is
    /// ignored.</summary>
    public string? SecretFile { get; set; }

    /// <summary>Sessions of authenticated peers, apart from the client limits; as many again may be connections let
    /// in only to authenticate while the client limits or a drain refuse everyone else.</summary>
    public int MaxPeerSessions { get; set; } = 64;

    /// <summary>How long such a connection may take to authenticate before it is closed, whatever it sends.</summary>
    public TimeSpan AuthenticationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Shorter secrets are refused: an HMAC key must not be guessable.</summary>
    public const int MinimumSecretLength = 16;

    public IEnumerable<string> Validate()
    {
        if (!string.IsNullOrEmpty(Secret) && !string.IsNullOrEmpty(SecretFile))
            yield return $"{Section}:{nameof(Secret)} and {Section}:{nameof(SecretFile)} are both set: give one";
        if (!string.IsNullOrEmpty(Secret) && Secret.Trim().Length < MinimumSecretLength)
            yield return $"{Section}:{nameof(Secret)} must be at least {MinimumSecretLength} characters (e.g. openssl rand -hex 32)";
        if (!string.IsNullOrEmpty(SecretFile) && FileError() is { } error)
            yield return error;
        if (Check.Range($"{Section}:{nameof(MaxPeerSessions)}", MaxPeerSessions, 1, 100_000) is { } range)
            yield return range;
        if (Check.Positive($"{Section}:{nameof(AuthenticationTimeout)}", AuthenticationTimeout) is { } timeout)
            yield return timeout;
    }

    /// <summary>Whether a secret is configured, inline or as a file.</summary>
    public bool HasSecret => !string.IsNullOrEmpty(Secret) || !string.IsNullOrEmpty(SecretFile);

    /// <summary>The secret as configured, or read from <see cref="SecretFile"/>; null when none is set.</summary>
    public string? ReadSecret() =>
        !string.IsNullOrEmpty(Secret) ? Secret.Trim() : !string.IsNullOrEmpty(SecretFile) ? File.ReadAllText(SecretFile).Trim() : null;

    private string? FileError()
    {
        try
        {
            return File.ReadAllText(SecretFile!).Trim().Length >= MinimumSecretLength ? null
                : $"{Section}:{nameof(SecretFile)} {SecretFile} must hold at least {MinimumSecretLength} characters";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{Section}:{nameof(SecretFile)} {SecretFile} cannot be read: {ex.Message}";
        }
    }
}
