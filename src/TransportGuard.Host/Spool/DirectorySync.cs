using System.Runtime.InteropServices;

namespace TransportGuard.Spool;

/// <summary>
/// fsync on a directory, so a file created or renamed in it survives power loss (POSIX leaves the directory
/// entry volatile until then; .NET has no API for it, hence the call into libc).
/// </summary>
internal static partial class DirectorySync
{
    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"open({directory}) for fsync failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (FsyncNative(fd) != 0)
                throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
