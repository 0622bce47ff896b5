using TransportGuard.Configuration;
using TransportGuard.Delivery.Routing;

namespace TransportGuard.Delivery;

/// <summary>Where mail goes and how the SMTP client behaves (configuration section "Delivery").</summary>
internal sealed class DeliveryOptions : IValidatable
{
    public const string Section = "Delivery";

    /// <summary>Smart hosts for everything without a domain route, HOST:PORT[,HOST:PORT...] tried in order
    /// (<c>--relay-to</c>); shorthand for a DefaultRoute of smtp:HOSTS.</summary>
    public string? RelayTo { get; set; }

    /// <summary>The route for domains without their own; when neither this nor RelayTo is set, a Maildir under the data directory.</summary>
    public string? DefaultRoute { get; set; }

    /// <summary>Routes by recipient domain ("example.com" = "smtp:10.0.0.5:25"); ".example.com" also matches subdomains.</summary>
    public Dictionary<string, string>? Routes { get; set; }

    /// <summary>Name servers for MX lookups ("127.0.0.1:53"); the system's when empty.</summary>
    public string[]? DnsServers { get; set; }

    /// <summary>The EHLO name; the SMTP server's host name when unset.</summary>
    public string? HostName { get; set; }

    /// <summary>Postfix smtp_connect_timeout is 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per reply (Postfix smtp_*_timeout, RFC 5321 4.5.3.2 minimums of 5 minutes for MAIL/RCPT).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 4.5.3.2.6: 10 minutes for the reply to the end of data.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an idle connection is kept for the next message to the same host (Postfix's connection
    /// cache keeps them 2 s).</summary>
    public TimeSpan ConnectionIdleTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Transactions per connection before it is closed and a new one opened.</summary>
    public int MaxTransactionsPerConnection { get; set; } = 100;

    public IEnumerable<string> Validate()
    {
        if (RelayTo is not null && !RouteParser.TryParse("smtp:" + RelayTo, out _, out var relayError))
            yield return $"{Section}:{nameof(RelayTo)}: {relayError}";
        if (DefaultRoute is not null && !RouteParser.TryParse(DefaultRoute, out _, out var defaultError))
            yield return $"{Section}:{nameof(DefaultRoute)}: {defaultError}";
        foreach (var (domain, spec) in Routes ?? [])
            if (!RouteParser.TryParse(spec, out _, out var error))
                yield return $"{Section}:{nameof(Routes)}:{domain}: {error}";
        foreach (var server in DnsServers ?? [])
            if (!System.Net.IPEndPoint.TryParse(server, out _))
                yield return $"{Section}:{nameof(DnsServers)} holds '{server}', which is not an IP address with an optional port";
        foreach (var (key, value) in new[] { (nameof(ConnectTimeout), ConnectTimeout), (nameof(CommandTimeout), CommandTimeout), (nameof(DataTimeout), DataTimeout), (nameof(ConnectionIdleTime), ConnectionIdleTime) })
            if (Check.Positive($"{Section}:{key}", value) is { } error)
                yield return error;
        if (Check.Range($"{Section}:{nameof(MaxTransactionsPerConnection)}", MaxTransactionsPerConnection, 1, 100_000) is { } range)
            yield return range;
    }
}
