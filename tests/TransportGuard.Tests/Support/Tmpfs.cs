using System.Diagnostics;

namespace TransportGuard.Tests.Support;

/// <summary>
/// A small tmpfs mounted for one test, to fill a disk for real. Mounting needs root, which CI has; elsewhere the
/// test is skipped, and under CI=true a failed mount fails it.
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(int megabytes)
    {
        var path = TempDirectory.Create("tmpfs");
        using var mount = Process.Start("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path]);
        mount.WaitForExit();
        if (mount.ExitCode != 0)
        {
            var message = $"cannot mount a tmpfs at {path} (needs root)";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                Assert.Fail(message);
            Assert.Skip(message);
        }
        return new Tmpfs(path);
    }

    /// <summary>A file that takes space until it is deleted.</summary>
    public string Ballast(int megabytes)
    {
        var file = System.IO.Path.Combine(Path, "ballast");
        using var stream = File.Create(file);
        var block = new byte[1024 * 1024];
        Random.Shared.NextBytes(block);
        for (var i = 0; i < megabytes; i++)
            stream.Write(block);
        return file;
    }

    public void Dispose()
    {
        using var umount = Process.Start("umount", ["-l", Path]);
        umount.WaitForExit();
        TempDirectory.Delete(Path);
    }
}
