using System.Text;
using FsCheck;
using FsCheck.Fluent;
using TransportGuard.Spool;

namespace TransportGuard.Tests.Spool;

/// <summary>What duplicate detection knows a message by (docs/dedup.md): the same on every hop, whatever the hop
/// adds in front, and different whenever the body differs.</summary>
public sealed class ContentIdentityTests
{
    private const string Message = "From: a@example.org\r\nTo: b@example.com\r\nMessage-ID: < id-1@example.org >\r\nSubject: hi\r\n\r\nbody line\r\n";

    [Fact]
    public void The_Message_ID_is_the_identity_and_survives_a_relay_adding_Received_and_Return_Path()
    {
        var first = Of(Message);
        var relayed = Of("Received: from x by y; Mon, 30 Nov 2026 05:00:00 +0000\r\nReturn-Path: <a@example.org>\r\n" + Message);

        Assert.Equal("m:id-1@example.org", first.Id);
        Assert.Equal(first, relayed);
    }

    [Fact]
    public void The_same_Message_ID_with_another_body_is_another_message()
    {
        var other = Of(Message.Replace("body line", "another body", StringComparison.Ordinal));

        Assert.Equal(Of(Message).Id, other.Id);
        Assert.NotEqual(Of(Message).BodySha256, other.BodySha256);
    }

    [Fact]
    public void Without_a_Message_ID_the_header_fields_but_the_trace_fields_stand_for_it()
    {
        const string NoId = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
        var plain = Of(NoId);

        Assert.StartsWith("h:", plain.Id, StringComparison.Ordinal);
        Assert.Equal(plain, Of("Received: from x by y; Mon, 30 Nov 2026 05:00:00 +0000\r\n" + NoId));
        Assert.NotEqual(plain.Id, Of(NoId.Replace("Subject: hi", "Subject: other", StringComparison.Ordinal)).Id);
    }

    [Fact]
    public void A_message_without_a_body_has_the_empty_body_hash()
    {
        Assert.Equal(Of("Subject: only a header\r\n\r\n").BodySha256, Of("Subject: another\r\n").BodySha256);
    }

    /// <summary>The SMTP engine writes in chunks of any size: the identity must not depend on where they split,
    /// in particular not inside the blank line that ends the header.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Streaming_in_any_chunks_gives_the_identity_of_the_whole()
    {
        var cuts = Gen.Choose(0, Message.Length).ArrayOf().Select(a => a.Distinct().Order().ToArray());
        return Prop.ForAll(cuts.ToArbitrary(), points =>
        {
            var bytes = Encoding.ASCII.GetBytes(Message);
            using var builder = new ContentIdentityBuilder();
            var start = 0;
            foreach (var point in points.Append(bytes.Length))
            {
                builder.Append(bytes.AsSpan(start, point - start));
                start = point;
            }
            return builder.Build() == Of(Message);
        });
    }

    private static ContentIdentity Of(string text) => ContentIdentity.Of(Encoding.ASCII.GetBytes(text));
}
