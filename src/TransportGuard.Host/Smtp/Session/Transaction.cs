using System.Buffers;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Session;

/// <summary>One mail transaction (MAIL to end of data): the envelope so far and the content being streamed.</summary>
internal sealed class Transaction(string reversePath, EsmtpParameters parameters) : IAsyncDisposable
{
    /// <summary>Content is gathered into a chunk of this size before it goes to the sink.</summary>
    public const int ChunkSize = 64 * 1024;

    public string ReversePath { get; } = reversePath;
    public EsmtpParameters Parameters { get; } = parameters;
    public List<EnvelopeRecipient> Recipients { get; } = [];
    public IMessageWriter? Writer { get; set; }
    public MessageBodyScanner? Scanner { get; set; }
    public long Size { get; set; }

    /// <summary>When the end of the content was seen (a TimeProvider timestamp), for the accept latency.</summary>
    public long EndOfDataAt { get; set; }
    public bool TooBig { get; set; }

    /// <summary>The sink failed to take content (disk full, I/O error): the rest is read and dropped, then 451.</summary>
    public bool SinkFailed { get; set; }
    public bool SmtpUtf8 => Parameters.Contains("SMTPUTF8");
    public bool BinaryMime => string.Equals(Parameters["BODY"], "BINARYMIME", StringComparison.OrdinalIgnoreCase);

    private byte[]? _chunk;
    public byte[] Chunk => _chunk ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
    public int Filled { get; set; }

    /// <summary>Bytes of our own Received header at the start of the chunk, not yet drained.</summary>
    public int HeaderLength { get; set; }

    public BodyViolation Violations => Scanner?.Violations ?? BodyViolation.None;
    public bool Refused => TooBig || SinkFailed || Violations != BodyViolation.None;

    public async ValueTask DisposeAsync()
    {
        if (Writer is not null)
            await Writer.DisposeAsync();
        Writer = null;
        if (_chunk is not null)
            ArrayPool<byte>.Shared.Return(_chunk);
        _chunk = null;
    }
}
