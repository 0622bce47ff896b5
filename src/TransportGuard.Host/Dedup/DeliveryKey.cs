using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TransportGuard.Dedup;

/// <summary>
/// A delivery's identity as one 128-bit key: SHA-256 over the message identity (its Message-ID, or a hash of its
/// headers when it has none), its body hash, the recipient (case-insensitive, as mailbox servers compare) and the
/// destination (route or domain), truncated. Two messages that share a Message-ID but differ in body are two keys.
/// </summary>
internal readonly record struct DeliveryKey(ulong High, ulong Low)
{
    public static DeliveryKey Of(string identity, string bodyHash, string recipient, string destination)
    {
        var text = $"{identity}\n{bodyHash}\n{recipient.ToLowerInvariant()}\n{destination.ToLowerInvariant()}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return new(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]));
    }

    /// <summary>32 lowercase hex digits (the shared store's key suffix).</summary>
    public override string ToString() => $"{High:x16}{Low:x16}";
}

/// <summary>The original delivery a key stands for: which node delivered it, as which queue id, and when; what a
/// suppressed duplicate's log line names. Expires <see cref="DedupOptions.Window"/> after <paramref name="At"/>.</summary>
internal sealed record DeliveredEntry(string Node, string QueueId, DateTimeOffset At)
{
    /// <summary>"node queueid unix-ms": the shared store's value, and at most 256 octets.</summary>
    public string ToWire() => $"{Node} {QueueId} {At.ToUnixTimeMilliseconds()}";

    public static DeliveredEntry? FromWire(string? wire)
    {
        var parts = wire?.Split(' ');
        return parts is { Length: 3 } && long.TryParse(parts[2], out var ms)
            ? new DeliveredEntry(parts[0], parts[1], DateTimeOffset.FromUnixTimeMilliseconds(ms))
            : null;
    }

    public override string ToString() => $"{QueueId} on {Node} at {At:O}";
}
