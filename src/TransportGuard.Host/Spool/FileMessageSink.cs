using System.Text.Json;
using Microsoft.Extensions.Options;
using TransportGuard.Smtp;

namespace TransportGuard.Spool;

/// <summary>
/// Interim durable sink until the FASTER spool lands: each message becomes "&lt;id&gt;.eml" plus "&lt;id&gt;.json" (the
/// envelope) in the queue directory. Content and envelope are fsynced, renamed into place (the envelope last, so
/// its presence marks a complete message), and the directory is fsynced before the commit returns, as Postfix
/// fsyncs its queue file before the 250.
/// </summary>
public sealed class FileMessageSink(IOptions<SpoolOptions> options, QueueIdGenerator ids) : IMessageSink
{
    private readonly string _directory = Directory.CreateDirectory(options.Value.QueueDirectory).FullName;

    public ValueTask<IMessageWriter> OpenAsync(MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        var id = ids.Next();
        var temp = Path.Combine(_directory, id + ".eml.tmp");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        return ValueTask.FromResult<IMessageWriter>(new Writer(this, id, envelope, stream, temp));
    }

    private sealed class Writer(FileMessageSink sink, string id, MessageEnvelope envelope, FileStream content, string tempPath) : IMessageWriter
    {
        private bool _committed;

        public string QueueId => id;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
            content.WriteAsync(chunk, cancellationToken);

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            await content.FlushAsync(cancellationToken);
            content.Flush(flushToDisk: true);
            await content.DisposeAsync();
            var directory = sink._directory;
            File.Move(tempPath, Path.Combine(directory, id + ".eml"));

            var envelopeTemp = Path.Combine(directory, id + ".json.tmp");
            await using (var file = new FileStream(envelopeTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await JsonSerializer.SerializeAsync(file, EnvelopeDocument.From(envelope, id), cancellationToken: cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(envelopeTemp, Path.Combine(directory, id + ".json"));
            DirectorySync.Fsync(directory);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await content.DisposeAsync();
            if (!_committed)
            {
                File.Delete(tempPath);
                File.Delete(Path.Combine(sink._directory, id + ".eml"));
            }
        }
    }

    /// <summary>The envelope as stored next to the content.</summary>
    public sealed record EnvelopeDocument(string QueueId, string ReversePath, string[] Recipients, string Parameters,
        string ClientAddress, string HeloName, DateTimeOffset ReceivedAt)
    {
        public static EnvelopeDocument From(MessageEnvelope e, string id) =>
            new(id, e.ReversePath, [.. e.Recipients.Select(r => r.Address)], e.MailParameters.ToWire().Trim(),
                e.ClientAddress, e.HeloName, e.ReceivedAt);
    }
}
