using System.Text;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Support;

/// <summary>A message as the spool holds it: envelope and content read back (hash-checked) from the log.</summary>
internal sealed record StoredMessage(SpooledEnvelope Envelope, byte[] Content)
{
    public string Text => Encoding.UTF8.GetString(Content);
    public string[] Recipients => [.. Envelope.Recipients.Select(r => r.Address)];

    /// <summary>The content after the Received header this hop prepended.</summary>
    public string Body
    {
        get
        {
            var text = Text;
            Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
            // The header's continuation lines start with a tab; the first line that does not ends it.
            var index = 0;
            do
                index = text.IndexOf("\r\n", index, StringComparison.Ordinal) + 2;
            while (text[index] == '\t');
            return text[index..];
        }
    }

    /// <summary>Every live message of a spool, oldest queue id first.</summary>
    public static IReadOnlyList<StoredMessage> ReadAll(MessageSpool spool) =>
        Task.Run(async () =>
        {
            var messages = new List<StoredMessage>();
            foreach (var message in spool.Index.Messages)
                messages.Add(new StoredMessage(message.Envelope, await spool.ReadContentAsync(message.Envelope)));
            return messages;
        }).GetAwaiter().GetResult();

    /// <summary>Opens a spool left behind by a stopped or killed gateway, as recovery at start would.</summary>
    public static IReadOnlyList<StoredMessage> ReadOffline(string dataDirectory)
    {
        var spool = MessageSpool.Open(Path.Combine(dataDirectory, "spool"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        try
        {
            return ReadAll(spool);
        }
        finally
        {
            spool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
