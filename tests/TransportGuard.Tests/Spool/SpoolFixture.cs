using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Spool;

/// <summary>Writes messages straight into a spool directory, as the SMTP sink does, and reopens it as recovery does.</summary>
internal sealed class SpoolFixture : IDisposable
{
    private readonly QueueIdGenerator _ids = new(TimeProvider.System);

    public string DataDirectory { get; } = TempDirectory.Create("spool");
    public string Directory => Path.Combine(DataDirectory, "spool");

    public MessageSpool Open() => MessageSpool.Open(Directory, NullLogger.Instance);

    public string LogFile => Path.Combine(Directory, "spool.log.0");

    public static byte[] Content(int seed, int size)
    {
        var builder = new StringBuilder($"Subject: message {seed}\r\n\r\n");
        var random = new Random(seed);
        while (builder.Length < size)
            builder.Append(new string((char)('a' + random.Next(26)), random.Next(1, 90))).Append("\r\n");
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    /// <summary>Writes a message and waits for its commit: after this returns it is acknowledged.</summary>
    public async Task<string> AcknowledgeAsync(MessageSpool spool, byte[] content, int chunkSize = 64 * 1024)
    {
        var id = _ids.Next();
        var chunks = new List<long>();
        for (var offset = 0; offset < content.Length; offset += chunkSize)
            await spool.AppendContentAsync(id, content.AsMemory(offset, Math.Min(chunkSize, content.Length - offset)), chunks, CancellationToken.None);
        var envelope = new MessageEnvelope("a@example.org", [new EnvelopeRecipient("b@example.com", EsmtpParameters.None)],
            EsmtpParameters.None, "127.0.0.1", "client.test", false, DateTimeOffset.UtcNow);
        await spool.CommitMessageAsync(SpooledEnvelope.From(envelope, id, chunks, content.Length, Convert.ToHexString(SHA256.HashData(content)), ContentIdentity.Of(content)));
        return id;
    }

    /// <summary>Flips one bit of a message's first chunk content on disk (a log entry is an 8-byte checksum, a 4-byte
    /// length, then our record; segment 0's file offsets are its addresses).</summary>
    public void FlipContentByte(long chunkAddress, int contentOffset, byte expected)
    {
        var offset = chunkAddress + 12 + SpoolRecord.ChunkHeaderLength + contentOffset;
        using var file = new FileStream(LogFile, FileMode.Open);
        file.Position = offset;
        var b = file.ReadByte();
        Assert.Equal(expected, (byte)b); // we are flipping content, not padding
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x20));
    }

    public void Dispose() => TempDirectory.Delete(DataDirectory);
}
