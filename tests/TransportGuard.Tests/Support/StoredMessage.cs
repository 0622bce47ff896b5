using System.Text;
using System.Text.Json;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Support;

/// <summary>A message as the file sink left it on disk: envelope and raw content.</summary>
public sealed record StoredMessage(FileMessageSink.EnvelopeDocument Envelope, byte[] Content)
{
    public string Text => Encoding.UTF8.GetString(Content);

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

    public static StoredMessage Load(string envelopePath)
    {
        var envelope = JsonSerializer.Deserialize<FileMessageSink.EnvelopeDocument>(File.ReadAllText(envelopePath))!;
        return new StoredMessage(envelope, File.ReadAllBytes(Path.ChangeExtension(envelopePath, ".eml")));
    }
}
