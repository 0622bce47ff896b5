namespace TransportGuard.Shadow;

/// <summary>
/// The spool's incarnation id: made when a spool is first created and kept beside it, so a node that comes back
/// with the same spool says the same id, and one whose spool was lost (a new disk, a wiped volume) says a new one.
/// A holder that sees a primary's id change takes over at once: whatever it shadowed is gone there (docs/protocol.md).
/// </summary>
internal static class Incarnation
{
    public static string LoadOrCreate(string spoolDirectory)
    {
        Directory.CreateDirectory(spoolDirectory);
        var path = Path.Combine(spoolDirectory, "incarnation");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
            return existing;
        var id = Guid.NewGuid().ToString("N");
        Spool.DurableFile.Write(path, System.Text.Encoding.ASCII.GetBytes(id));
        return id;
    }
}
