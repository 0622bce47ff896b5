namespace TransportGuard.Delivery;

/// <summary>The name this node gives itself as a client (EHLO), in Maildir file names and as the reporting MTA:
/// Delivery:HostName, else the SMTP server's host name.</summary>
internal sealed record LocalHostName(string Value);
