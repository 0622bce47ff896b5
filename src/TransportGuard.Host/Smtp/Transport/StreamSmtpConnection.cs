using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace TransportGuard.Smtp.Transport;

/// <summary>A connection over a stream (a socket's NetworkStream, later wrapped in an SslStream).</summary>
internal sealed class StreamSmtpConnection : ISmtpConnection
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(leaveOpen: true);

    private Stream _stream;

    public StreamSmtpConnection(Stream stream, IPEndPoint remote, IPEndPoint local)
    {
        _stream = stream;
        RemoteEndPoint = remote;
        LocalEndPoint = local;
        Input = PipeReader.Create(stream, ReaderOptions);
        Output = PipeWriter.Create(stream, WriterOptions);
    }

    public PipeReader Input { get; private set; }
    public PipeWriter Output { get; private set; }
    public IPEndPoint RemoteEndPoint { get; }
    public IPEndPoint LocalEndPoint { get; }
    public bool IsSecure => _stream is SslStream;

    public async ValueTask StartTlsAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        // Abandon the plaintext pipes, and with them anything the client pipelined after STARTTLS.
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = false,
            }, cancellationToken);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
        _stream = tls;
        Input = PipeReader.Create(tls, ReaderOptions);
        Output = PipeWriter.Create(tls, WriterOptions);
    }

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
