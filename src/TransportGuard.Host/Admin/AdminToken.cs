using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace TransportGuard.Admin;

/// <summary>
/// The admin API's bearer token (docs/operations.md, Admin API). <c>Http:AdminToken</c> when configured; otherwise
/// the token in <c>DATA/admin-token</c>, generated at the first start with owner-only permissions, so a local user or
/// a web page cannot drain the node or delete mail. The CLI reads that file by default. The token is never logged.
/// </summary>
internal sealed partial class AdminToken
{
    public const string FileName = "admin-token";

    private readonly byte[] _bytes;

    private AdminToken(string value) => _bytes = Encoding.UTF8.GetBytes(value);

    /// <summary>Compared in constant time, so the token cannot be guessed byte by byte.</summary>
    public bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _bytes);

    /// <summary>The configured token, or the one kept in <paramref name="dataDirectory"/> (created when absent).</summary>
    /// <exception cref="IOException">The file can be neither read nor created: the gateway must not start without a token.</exception>
    public static AdminToken Resolve(string? configured, string dataDirectory, ILogger logger)
    {
        if (!string.IsNullOrEmpty(configured))
            return new AdminToken(configured);
        var path = PathIn(dataDirectory);
        var exists = File.Exists(path);
        if (exists && !ReadableByOthers(path))
        {
            var kept = Read(path)
                ?? throw new IOException($"the admin token file {path} is empty: delete it to have a new one generated, or set Http:AdminToken");
            LogKept(logger, path);
            return new AdminToken(kept);
        }
        if (exists)
            LogReplaced(logger, path); // others could read it: it is no secret any more
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        Write(path, token);
        LogGenerated(logger, path);
        return new AdminToken(token);
    }

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>Reads a gateway's token from its data directory for the CLI: null when there is none or it is not ours to read.</summary>
    public static string? TryRead(string dataDirectory)
    {
        try
        {
            return Read(PathIn(dataDirectory));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The token in the file, or null when the file holds none.</summary>
    private static string? Read(string path) => File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;

    /// <summary>Written beside, then renamed: a crash never leaves an empty token that the next start would refuse.</summary>
    private static void Write(string path, string token)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".new";
        File.Delete(temporary); // a leftover of a crash; created anew below, so nothing planted there is written through
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        {
            file.Write(Encoding.ASCII.GetBytes(token + "\n"));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A token file group or others can read is no secret: it is replaced, and that is logged.</summary>
    private static bool ReadableByOthers(string path)
    {
        if (OperatingSystem.IsWindows())
            return false;
        const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & Others) != 0;
    }

    [LoggerMessage(955, LogLevel.Information, "Admin API token generated in {Path} (owner-only); the CLI reads it from there (--data), or set Http:AdminToken")]
    private static partial void LogGenerated(ILogger logger, string path);

    [LoggerMessage(956, LogLevel.Information, "Admin API token read from {Path}")]
    private static partial void LogKept(ILogger logger, string path);

    [LoggerMessage(957, LogLevel.Warning, "Admin API token file {Path} was readable by others: a new token replaces it")]
    private static partial void LogReplaced(ILogger logger, string path);
}
