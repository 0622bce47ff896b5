using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace TransportGuard.Smtp.Transport;

/// <summary>
/// What the protocol sees of a connection: a duplex pipe plus the means to turn on TLS. The session never
/// touches a socket, so it runs the same over TCP and over an in-memory pipe in tests.
/// </summary>
internal interface ISmtpConnection : IAsyncDisposable
{
    PipeReader Input { get; }
    PipeWriter Output { get; }
    IPEndPoint RemoteEndPoint { get; }
    IPEndPoint LocalEndPoint { get; }
    bool IsSecure { get; }

    /// <summary>Runs the server side of a TLS handshake and replaces <see cref="Input"/> and <see cref="Output"/>.
    /// Bytes the client sent before the handshake and that are still buffered are dropped (RFC 3207 4.2; the
    /// STARTTLS command-injection flaw, CVE-2011-0411).</summary>
    ValueTask StartTlsAsync(X509Certificate2 certificate, CancellationToken cancellationToken);
}
