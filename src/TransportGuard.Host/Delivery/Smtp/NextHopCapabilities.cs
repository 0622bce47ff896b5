using System.Globalization;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Delivery.Smtp;

/// <summary>What a next hop's EHLO reply offers (RFC 5321 4.1.1.1: the first line is its greeting, each further
/// line one keyword with parameters). A HELO-only next hop offers nothing.</summary>
internal sealed class NextHopCapabilities
{
    private readonly HashSet<string> _keywords = new(StringComparer.OrdinalIgnoreCase);

    public static readonly NextHopCapabilities None = new();

    public static NextHopCapabilities FromEhlo(SmtpReply reply)
    {
        var capabilities = new NextHopCapabilities();
        foreach (var line in reply.Lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
                continue;
            capabilities._keywords.Add(parts[0]);
            if (parts[0].Equals("SIZE", StringComparison.OrdinalIgnoreCase) && parts.Length > 1
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                capabilities.MaxSize = size;
        }
        return capabilities;
    }

    public bool Has(string keyword) => _keywords.Contains(keyword);
    public bool Pipelining => Has("PIPELINING");
    public bool Chunking => Has("CHUNKING");
    public bool EightBitMime => Has("8BITMIME");
    public bool BinaryMime => Has("BINARYMIME");
    public bool SmtpUtf8 => Has("SMTPUTF8");
    public bool StartTls => Has("STARTTLS");
    public bool Size => Has("SIZE");

    /// <summary>The fixed limit from "SIZE n"; 0 or absent means none (RFC 1870 section 4).</summary>
    public long MaxSize { get; private set; }
}
