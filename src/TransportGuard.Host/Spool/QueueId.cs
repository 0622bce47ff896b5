using System.Security.Cryptography;

namespace TransportGuard.Spool;

/// <summary>
/// Queue ids: short, unique across restarts of a node, and sortable by time. 48 bits of Unix milliseconds, then a
/// 24-bit sequence that starts at a random point each millisecond (so a restart within the same millisecond does
/// not repeat an id), in 15 characters of Crockford base32, which sorts like the number it encodes.
/// </summary>
internal sealed class QueueIdGenerator(TimeProvider time)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private readonly Lock _lock = new();
    private long _lastMillis = -1;
    private int _sequence;

    public string Next()
    {
        long millis;
        int sequence;
        lock (_lock)
        {
            millis = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastMillis);
            if (millis != _lastMillis)
            {
                _lastMillis = millis;
                _sequence = RandomNumberGenerator.GetInt32(1 << 22);
            }
            else if (++_sequence >= 1 << 24)
            {
                // 16 million ids in one millisecond: borrow the next millisecond rather than wrap.
                _lastMillis = ++millis;
                _sequence = 0;
            }
            sequence = _sequence;
        }
        return Encode(((UInt128)(ulong)millis << 24) | (uint)sequence);
    }

    private static string Encode(UInt128 value)
    {
        Span<char> chars = stackalloc char[15];
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
