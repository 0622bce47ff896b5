using System.Globalization;

namespace TransportGuard.Tracking;

/// <summary>Where the tracking log lives (DATA/tracking) and how its files are named: one per UTC hour,
/// tracking-YYYYMMDDHH.log, each holding the events of its hour (docs/tracking.md, Files).</summary>
internal sealed record TrackingDirectory(string Root)
{
    private const string Prefix = "tracking-";
    private const string Suffix = ".log";
    private const string HourFormat = "yyyyMMddHH";

    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>The file an event of this time belongs in.</summary>
    public string FileFor(DateTimeOffset at) => Path.Combine(Root, Prefix + at.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture) + Suffix);

    /// <summary>The files there are, with the hour each holds, oldest first; anything else in the directory is left alone.</summary>
    public IReadOnlyList<(DateTimeOffset Hour, string Path)> Files()
    {
        if (!Directory.Exists(Root))
            return [];
        return [.. Directory.EnumerateFiles(Root, Prefix + "*" + Suffix)
            .Select(path => (Name: Path.GetFileName(path), Path: path))
            .Where(f => f.Name.Length == Prefix.Length + HourFormat.Length + Suffix.Length)
            .Select(f => (Parsed: DateTimeOffset.TryParseExact(f.Name.AsSpan(Prefix.Length, HourFormat.Length), HourFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var hour), Hour: hour, f.Path))
            .Where(f => f.Parsed)
            .Select(f => (f.Hour, f.Path))
            .OrderBy(f => f.Hour)];
    }

    /// <summary>The files' total size (a file deleted meanwhile counts nothing).</summary>
    public long Bytes() => Files().Sum(f =>
    {
        var info = new FileInfo(f.Path);
        return info.Exists ? info.Length : 0;
    });
}
