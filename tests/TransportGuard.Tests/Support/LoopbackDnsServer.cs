using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TransportGuard.Tests.Support;

/// <summary>
/// A DNS server on 127.0.0.1 that answers MX, A and AAAA questions from a table (RFC 1035 4.1 wire format, written
/// by hand: it only has to be right for these three types). Names can also be made to fail (NXDOMAIN, SERVFAIL) or
/// to get no answer at all, to test how the resolver treats each. UDP only: answers stay far below 512 octets, so
/// the TC bit is never set and DnsClient never falls back to TCP (RFC 1035 4.2.1).
/// </summary>
internal sealed class LoopbackDnsServer : IDisposable
{
    private const ushort TypeA = 1, TypeMx = 15, TypeAaaa = 28;
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Dictionary<(string Name, ushort Type), List<byte[]>> _records = [];
    private readonly Dictionary<string, byte> _failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _silent = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();

    public LoopbackDnsServer() => _ = ServeAsync();

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    /// <summary>Every question asked, as "name type" (e.g. "example.com 15").</summary>
    public List<string> Questions { get; } = [];

    /// <summary>Write each answer's owner name in full instead of as a pointer to the question (RFC 1035 4.1.4).</summary>
    public bool PlainNames { get; init; }

    public LoopbackDnsServer Mx(string domain, ushort preference, string exchange) =>
        Add(domain, TypeMx, [.. BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(preference)), .. Name(exchange)]);

    public LoopbackDnsServer Address(string name, string address)
    {
        var ip = IPAddress.Parse(address);
        return Add(name, ip.AddressFamily == AddressFamily.InterNetwork ? TypeA : TypeAaaa, ip.GetAddressBytes());
    }

    public LoopbackDnsServer NxDomain(string name) => Fail(name, 3);
    public LoopbackDnsServer ServFail(string name) => Fail(name, 2);

    public LoopbackDnsServer Silent(string name)
    {
        lock (_silent)
            _silent.Add(name);
        return this;
    }

    private LoopbackDnsServer Fail(string name, byte rcode)
    {
        lock (_failures)
            _failures[name] = rcode;
        return this;
    }

    private LoopbackDnsServer Add(string name, ushort type, byte[] data)
    {
        lock (_records)
        {
            var key = (name.ToLowerInvariant(), type);
            if (!_records.TryGetValue(key, out var list))
                _records[key] = list = [];
            list.Add(data);
        }
        return this;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (TryAnswer(request.Buffer) is not { } response)
                continue;
            try
            {
                await _udp.SendAsync(response, request.RemoteEndPoint, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    /// <summary>A datagram too short to hold a question gets no answer, and the server goes on serving.</summary>
    private byte[]? TryAnswer(byte[] query)
    {
        try
        {
            return Answer(query);
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private byte[]? Answer(byte[] query)
    {
        var (name, end) = ReadName(query, 12);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(end));
        var question = query.AsSpan(12, end + 4 - 12);
        lock (Questions)
            Questions.Add($"{name} {type}");
        lock (_silent)
            if (_silent.Contains(name))
                return null;
        byte rcode;
        lock (_failures)
            rcode = _failures.GetValueOrDefault(name);
        List<byte[]> answers;
        lock (_records)
            answers = rcode == 0 && _records.TryGetValue((name.ToLowerInvariant(), type), out var found) ? [.. found] : [];
        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // id
        response.Add((byte)(0x84 | (query[2] & 0x01))); // QR, AA, RD copied
        response.Add((byte)(0x80 | rcode)); // RA, rcode
        response.AddRange([0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        response.AddRange(question.ToArray());
        foreach (var data in answers)
        {
            if (PlainNames)
                response.AddRange(question[..^4].ToArray()); // the question's name, uncompressed
            else
                response.AddRange([0xC0, 12]); // the name: a pointer to the question's, at offset 12
            response.AddRange([(byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 60, (byte)(data.Length >> 8), (byte)data.Length]);
            response.AddRange(data);
        }
        return [.. response];
    }

    private static (string Name, int End) ReadName(byte[] message, int offset)
    {
        var labels = new List<string>();
        while (message[offset] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(message, offset + 1, message[offset]));
            offset += message[offset] + 1;
        }
        return (string.Join('.', labels), offset + 1);
    }

    private static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}
