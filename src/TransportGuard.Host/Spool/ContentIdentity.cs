using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace TransportGuard.Spool;

/// <summary>
/// What duplicate detection knows a message by (docs/dedup.md): its Message-ID, or when it has none a hash of its
/// header fields without the trace fields each hop adds; and always the SHA-256 of its body, so that two messages
/// sharing a Message-ID but not a body stay two messages. Both survive relaying: each hop only prepends a Received
/// field (RFC 5321 4.4), which neither covers.
/// </summary>
internal sealed record ContentIdentity(string Id, string BodySha256)
{
    /// <summary>The Message-ID the identity was made from ("m:" and the id without its brackets); null for a message
    /// without one, known by a hash of its header.</summary>
    public string? MessageId => Id is ['m', ':', .. var id] ? id : null;

    /// <summary>Of a message held whole in memory (a report we write, a takeover copy).</summary>
    public static ContentIdentity Of(ReadOnlySpan<byte> content)
    {
        using var builder = new ContentIdentityBuilder();
        builder.Append(content);
        return builder.Build();
    }

    /// <summary>Of a message streamed from the spool (one stored before identities were recorded).</summary>
    public static async Task<ContentIdentity> OfAsync(IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken cancellationToken)
    {
        using var builder = new ContentIdentityBuilder();
        await foreach (var chunk in chunks.WithCancellation(cancellationToken))
            builder.Append(chunk.Span);
        return builder.Build();
    }
}

/// <summary>
/// Builds a <see cref="ContentIdentity"/> while the content streams past: the header section is kept (up to
/// <see cref="MaxHeaderBytes"/>, past which the rest of it counts as body) and parsed with MimeKit at the end; the
/// body is hashed as it goes, so nothing but the header is held.
/// </summary>
internal sealed class ContentIdentityBuilder : IDisposable
{
    public const int MaxHeaderBytes = 256 * 1024;

    /// <summary>Fields a relay adds or rewrites on the way (RFC 5321 4.4, RFC 9228): not part of the identity.</summary>
    private static readonly HashSet<string> TraceFields = new(StringComparer.OrdinalIgnoreCase)
        { "Received", "Return-Path", "Delivered-To", "X-Original-To" };

    private readonly MemoryStream _header = new();
    private readonly IncrementalHash _body = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _inBody;
    private int _matched; // how much of "\r\n\r\n" the header's last bytes matched

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_inBody)
        {
            _body.AppendData(data);
            return;
        }
        for (var i = 0; i < data.Length; i++)
        {
            _matched = data[i] == (_matched % 2 == 0 ? (byte)'\r' : (byte)'\n') ? _matched + 1 : data[i] == '\r' ? 1 : 0;
            if (_matched == 4 || _header.Length + i + 1 >= MaxHeaderBytes)
            {
                _header.Write(data[..(i + 1)]);
                _inBody = true;
                _body.AppendData(data[(i + 1)..]);
                return;
            }
        }
        _header.Write(data);
    }

    public ContentIdentity Build()
    {
        var body = Convert.ToHexString(_body.GetHashAndReset());
        _header.Position = 0;
        HeaderList headers;
        try
        {
            headers = HeaderList.Load(ParserOptions.Default, _header);
        }
        catch (FormatException)
        {
            // Not a header section MimeKit can read: the raw bytes stand for it (trace fields included).
            return new ContentIdentity("r:" + Convert.ToHexString(SHA256.HashData(_header.ToArray())), body);
        }
        if (headers[HeaderId.MessageId] is { } raw && MimeUtils.ParseMessageId(raw) is { Length: > 0 } id)
            return new ContentIdentity("m:" + id, body);
        var text = new StringBuilder();
        foreach (var header in headers.Where(h => !TraceFields.Contains(h.Field)))
            text.Append(header.Field.ToLowerInvariant()).Append(':').Append(header.Value.Trim()).Append('\n');
        return new ContentIdentity("h:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))), body);
    }

    public void Dispose()
    {
        _header.Dispose();
        _body.Dispose();
    }
}
