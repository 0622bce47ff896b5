using TransportGuard.Configuration;

namespace TransportGuard.Spool;

/// <summary>Where the node keeps its data (configuration section "Spool"; the --data switch).</summary>
public sealed class SpoolOptions : IValidatable
{
    public const string Section = "Spool";

    /// <summary>The node's data directory; relative paths are taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    public string QueueDirectory => Path.Combine(DataDirectory, "queue");

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
            yield return $"{Section}:{nameof(DataDirectory)} must name a directory";
    }
}
