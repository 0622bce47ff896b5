using System.Text;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Maildir;

/// <summary>
/// Local delivery into a Maildir: written to tmp/, fsynced, renamed into new/ and the directory fsynced, so a
/// message is either wholly in new/ or not there (the Maildir convention, as in Postfix's virtual and local agents).
/// The file name is derived from the queue id, so a delivery repeated after a crash (between the rename and our
/// record of it) finds the first copy and does not deliver a second one.
/// </summary>
internal sealed class MaildirDelivery(IMessageStore store, LocalHostName hostName) : IDeliveryAgent
{
    public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var route = (MaildirRoute)job.Route;
        var name = $"{job.Envelope.ReceivedAt.ToUnixTimeSeconds()}.{job.QueueId}.{_safeHostName}";
        try
        {
            var (tmp, @new, cur) = Create(route.Path);
            if (!File.Exists(Path.Combine(@new, name)) && !Directory.EnumerateFiles(cur, name + ":*").Any())
                await WriteAsync(job, Path.Combine(tmp, name), Path.Combine(@new, name), cancellationToken);
            return [.. job.Recipients.Select(r => new RecipientResult(r.Address, DeliveryOutcome.Delivered, "2.0.0", $"delivered to maildir {route.Path}", null))];
        }
        catch (DeliveryFencedException ex)
        {
            return [.. job.Recipients.Select(r => RecipientResult.Defer(r.Address, "4.4.0", ex.Message))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full or read-only mailbox disk is transient for us, as for Postfix's local agent (4.3.0 / 4.2.2).
            return [.. job.Recipients.Select(r => RecipientResult.Defer(r.Address, "4.3.0", $"maildir {route.Path}: {ex.Message}"))];
        }
    }

    private readonly string _safeHostName = hostName.Value.Replace("/", "\\057", StringComparison.Ordinal).Replace(":", "\\072", StringComparison.Ordinal);

    private async Task WriteAsync(DeliveryJob job, string tmpPath, string newPath, CancellationToken cancellationToken)
    {
        var trace = new StringBuilder().Append("Return-Path: <").Append(job.Envelope.ReversePath).Append(">\r\n");
        foreach (var recipient in job.Recipients)
            trace.Append("Delivered-To: ").Append(recipient.Address).Append("\r\n");
        await using (var file = new FileStream(tmpPath, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(trace.ToString()), cancellationToken);
            await foreach (var chunk in store.ReadChunksAsync(job.Envelope, cancellationToken))
                await file.WriteAsync(chunk, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        job.EnsureMayComplete();
        File.Move(tmpPath, newPath, overwrite: true);
        DirectorySync.Fsync(Path.GetDirectoryName(newPath)!);
    }

    private static (string Tmp, string New, string Cur) Create(string root)
    {
        var dirs = (Path.Combine(root, "tmp"), Path.Combine(root, "new"), Path.Combine(root, "cur"));
        Directory.CreateDirectory(dirs.Item1);
        Directory.CreateDirectory(dirs.Item2);
        Directory.CreateDirectory(dirs.Item3);
        return dirs;
    }
}
