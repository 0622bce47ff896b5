using System.Text;

namespace TransportGuard.Tests.Support;

/// <summary>Reads CRLF lines, exact byte counts and dot-terminated DATA bodies from one buffer, so pipelined input
/// (several commands, or a command and its BDAT bytes, in one TCP read) is taken apart correctly.</summary>
internal sealed class BufferedLineReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }
            if (!await FillAsync(cancellationToken))
                return null;
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
                throw new EndOfStreamException();
            var take = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, take);
            _start += take;
            filled += take;
        }
        return result;
    }

    /// <summary>The body up to "CRLF.CRLF", dot-unstuffed; null when the peer closed first, or when
    /// <paramref name="drop"/> asks to stop after the first line.</summary>
    public async Task<byte[]?> ReadDataAsync(bool drop, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (await ReadLineAsync(cancellationToken) is { } line)
        {
            if (drop)
                return null;
            if (line == ".")
                return body.ToArray();
            var bytes = Encoding.UTF8.GetBytes(line.StartsWith('.') ? line[1..] : line);
            body.Write(bytes);
            body.Write("\r\n"u8);
        }
        return null;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            throw new IOException("line too long");
        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }
}
