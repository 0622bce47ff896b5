namespace TransportGuard.Spool;

/// <summary>A small file replaced whole and durably: written beside, flushed to disk, renamed over the old one, and
/// the directory fsynced (docs/spool.md), so a crash leaves the old content or the new, never a torn mix.</summary>
internal static class DurableFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Fsync(directory);
    }
}
