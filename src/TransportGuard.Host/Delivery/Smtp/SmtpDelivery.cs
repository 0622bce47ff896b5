using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TransportGuard.Delivery.Routing;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Smtp;

/// <summary>
/// Delivers a job over SMTP: the route's hosts in order until one takes the session (a host that cannot be reached,
/// or refuses the greeting, EHLO or TLS, passes the job to the next, as RFC 5321 5.1 asks for MX hosts), then one
/// pipelined transaction on a pooled or new connection.
/// </summary>
internal sealed partial class SmtpDelivery(IMessageStore store, SmtpConnectionPool pool, NextHopResolver resolver, IHostAvailability hosts,
    IOptions<DeliveryOptions> options, SmtpClientProfile profile, TimeProvider time, ILogger<SmtpDelivery> logger) : IDeliveryAgent
{
    private readonly SmtpClientTimeouts _timeouts = new(options.Value.ConnectTimeout, options.Value.CommandTimeout, options.Value.DataTimeout);

    public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var tls = job.Route switch { SmartHostRoute s => s.Tls, MxRoute m => m.Tls, _ => TlsMode.May };
        var hops = await resolver.ResolveAsync(job.Route, job.Destination, cancellationToken);
        if (hops.Targets.Count == 0)
            return All(job, hops.Permanent ? DeliveryOutcome.Failed : DeliveryOutcome.Deferred, hops.Status, hops.Reason, null);

        SmtpOpenException? last = null;
        foreach (var target in hops.Targets)
        {
            SmtpClientConnection? used = null;
            try
            {
                return await pool.RunAsync($"{target.Name}|{target.EndPoint}|{tls}", () => OpenAsync(target, tls, cancellationToken),
                    connection => SmtpTransaction.SendAsync(used = connection, job, store, _timeouts, cancellationToken));
            }
            catch (SmtpOpenException ex)
            {
                LogHostFailed(job.QueueId, ex.Message);
                last = ex; // next host
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException)
            {
                // The session broke mid-transaction: whatever was sent was not acknowledged, so it is tried again
                // later; the next hop discards an unfinished transaction (RFC 5321 3.8).
                return All(job, DeliveryOutcome.Deferred, "4.4.2", $"lost connection with {used?.Remote}: {ex.Message}", used?.Remote);
            }
            catch (DeliveryFencedException ex)
            {
                // Never sent the final dot: the next hop discards the transaction.
                return All(job, DeliveryOutcome.Deferred, "4.4.0", ex.Message, used?.Remote);
            }
            catch (InvalidDataException ex)
            {
                LogDamagedCopy(job.QueueId, ex.Message);
                return All(job, DeliveryOutcome.Deferred, "4.3.0", $"spool copy unreadable: {ex.Message}", null);
            }
        }
        var outcome = last?.Reply is { IsPermanent: true } && hops.Targets.Count == 1 ? DeliveryOutcome.Failed : DeliveryOutcome.Deferred;
        return All(job, outcome, last?.Status ?? "4.4.1", last?.Message ?? "no next hop reachable", last?.Remote);
    }

    private async Task<SmtpClientConnection> OpenAsync(NextHopTarget target, TlsMode tls, CancellationToken cancellationToken)
    {
        // A next hop that is a cluster peer is told who we are (docs/security.md); peers always use TLS.
        var presented = hosts.LoginFor(target) is { } login ? profile with { Peer = login } : profile;
        try
        {
            return await SmtpClientConnection.OpenAsync(target.Name, target.EndPoint, presented, tls, _timeouts, time, cancellationToken);
        }
        catch (SmtpOpenException ex) when (ex.TlsFailed && tls == TlsMode.May && presented.Peer is null)
        {
            // Opportunistic TLS that fails its handshake falls back to a plaintext session, as Postfix's "may" does.
            return await SmtpClientConnection.OpenAsync(target.Name, target.EndPoint, profile, TlsMode.None, _timeouts, time, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            throw new SmtpOpenException($"{target.Name}[{target.EndPoint}]", "4.4.2", $"session with {target.Name}[{target.EndPoint}] failed: {ex.Message}");
        }
    }

    private static List<RecipientResult> All(DeliveryJob job, DeliveryOutcome outcome, string status, string reason, string? remote) =>
        [.. job.Recipients.Select(r => new RecipientResult(r.Address, outcome, status, reason, remote))];

    [LoggerMessage(3100, LogLevel.Information, "{QueueId}: {Reason}; trying the next host if any")]
    private partial void LogHostFailed(string queueId, string reason);

    [LoggerMessage(3101, LogLevel.Error, "{QueueId}: the spool copy is damaged and was not sent: {Reason}")]
    private partial void LogDamagedCopy(string queueId, string reason);
}
