using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Routing;
using TransportGuard.Delivery.Smtp;

namespace TransportGuard.Delivery.Clusters;

/// <summary>
/// The health check of a mailbox server: connect, read the 220 greeting, EHLO and its 250, QUIT, as the delivery
/// client opens a session (without TLS: the check is whether the server takes sessions, not a delivery). A 4xx or
/// 5xx greeting fails it, as it would fail a delivery.
/// </summary>
internal sealed class SmtpServerProbe(SmtpClientProfile profile, IOptions<MailboxClusterOptions> options, TimeProvider time) : IServerProbe
{
    // No peer login, no XSHADOW: a mailbox server is not a TransportGuard peer.
    private readonly SmtpClientProfile _profile = new(profile.HeloName, profile.SourceAddress);
    private readonly SmtpClientTimeouts _timeouts = new(options.Value.ProbeTimeout, options.Value.ProbeTimeout, options.Value.ProbeTimeout);

    public async Task<ProbeResult> ProbeAsync(HostPort server, CancellationToken cancellationToken)
    {
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(server.Host, out var literal) ? literal
                : (await Dns.GetHostAddressesAsync(server.Host, cancellationToken)).FirstOrDefault()
                    ?? throw new SocketException((int)SocketError.HostNotFound);
        }
        catch (SocketException ex)
        {
            return ProbeResult.Fail($"{server.Host}: {ex.Message}");
        }
        try
        {
            await using var connection = await SmtpClientConnection.OpenAsync(server.Host, new IPEndPoint(address, server.Port), _profile,
                TlsMode.None, _timeouts, time, cancellationToken);
            await QuitAsync(connection, cancellationToken);
            return ProbeResult.Pass;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            return ProbeResult.Fail(ex.Message); // SmtpOpenException (refused, 4xx/5xx greeting or EHLO) is an IOException
        }
    }

    /// <summary>The session passed once EHLO was answered; a server that drops the QUIT is still up.</summary>
    private async Task QuitAsync(SmtpClientConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.CommandAsync("QUIT", _timeouts.Command, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
        }
    }
}
