using System.Net;

namespace TransportGuard.Delivery.Mx;

/// <summary>One place to deliver to: an MX host (or the implicit MX, or an address literal) and its addresses, A before AAAA.</summary>
internal sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);
