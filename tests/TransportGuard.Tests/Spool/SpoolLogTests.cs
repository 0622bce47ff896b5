using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Spool;

public sealed class SpoolLogTests
{
    /// <summary>The directory we fsync after each commit must be where FASTER creates its commit files; if a FASTER
    /// upgrade moved them, a power loss could forget a commit we acknowledged.</summary>
    [Fact]
    public async Task The_directory_fsynced_after_a_commit_is_the_one_holding_the_commit_files()
    {
        var directory = TempDirectory.Create("spoollog");
        using (var log = new SpoolLog(directory))
        {
            log.Log.Enqueue(new byte[100]);
            await log.CommitAsync(TestContext.Current.CancellationToken);
            Assert.NotEmpty(Directory.GetFiles(log.CommitFileDirectory, "commit.*"));
            Assert.Empty(Directory.GetFiles(log.CommitDirectory));
        }
        TempDirectory.Delete(directory);
    }
}
