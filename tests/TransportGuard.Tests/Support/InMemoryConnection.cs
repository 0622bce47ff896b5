using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using TransportGuard.Smtp.Transport;

namespace TransportGuard.Tests.Support;

/// <summary>A connection made of two in-memory pipes, counting the server's flushes (one per pipelined group).</summary>
internal sealed class InMemoryConnection : ISmtpConnection
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly CountingWriter _output;

    public InMemoryConnection() => _output = new CountingWriter(_toClient.Writer);

    public PipeReader Input => _toServer.Reader;
    public PipeWriter Output => _output;
    public IPEndPoint RemoteEndPoint { get; } = new(IPAddress.Loopback, 40000);
    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 25);
    public bool IsSecure => false;
    public int Flushes => _output.Flushes;

    /// <summary>The client's ends of the pipes.</summary>
    public PipeWriter ClientOutput => _toServer.Writer;
    public PipeReader ClientInput => _toClient.Reader;

    public ValueTask StartTlsAsync(X509Certificate2 certificate, CancellationToken cancellationToken) =>
        throw new NotSupportedException("TLS is tested over real sockets");

    public async ValueTask DisposeAsync()
    {
        await _toServer.Reader.CompleteAsync();
        await _toClient.Writer.CompleteAsync();
    }

    private sealed class CountingWriter(PipeWriter inner) : PipeWriter
    {
        private int _flushes;
        public int Flushes => Volatile.Read(ref _flushes);

        public override void Advance(int bytes) => inner.Advance(bytes);
        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _flushes);
            return inner.FlushAsync(cancellationToken);
        }
    }
}
