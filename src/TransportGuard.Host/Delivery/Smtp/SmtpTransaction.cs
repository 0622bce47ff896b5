using System.Buffers;
using TransportGuard.Smtp.Protocol;
using TransportGuard.Spool;

namespace TransportGuard.Delivery.Smtp;

/// <summary>
/// Sends one message over an open connection and maps every reply to per-recipient outcomes (the client side of
/// RFC 2920 PIPELINING as MailKit does it: MAIL, every RCPT and DATA in one flush, then every reply read in order).
/// With CHUNKING the body goes as BDAT (RFC 3030) without dot-stuffing; a message of up to one chunk goes as
/// BDAT LAST in that same flush, so the whole transaction is one round trip (RFC 3030 4.2 lets BDAT be pipelined; a
/// server that refused MAIL or every RCPT reads and refuses the chunk). The body streams from the spool; the final
/// dot or BDAT LAST is sent only after the spool copy's hash has checked out.
/// </summary>
internal static class SmtpTransaction
{
    /// <summary>BDAT chunk size: spool records are coalesced so a large message needs few replies.</summary>
    private const int BdatChunk = 256 * 1024;
    private const int FlushEvery = 64 * 1024;

    public static async Task<IReadOnlyList<RecipientResult>> SendAsync(SmtpClientConnection connection, DeliveryJob job,
        IMessageStore spool, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var envelope = job.Envelope;
        var recipients = job.Recipients.Select(r => r.Address).ToList();
        var needs = MessageNeeds.Of(envelope);
        if (needs.Refusal(connection.Capabilities, envelope.Length, connection.Remote) is { } refusal)
            return [.. recipients.Select(r => RecipientResult.Fail(r, refusal.Status, refusal.Reason, connection.Remote))];

        var caps = connection.Capabilities;
        var pipelined = caps.Pipelining;
        var bdat = caps.Chunking;
        var oneFlush = pipelined && bdat && envelope.Length <= BdatChunk;
        connection.Reusable = false; // until the transaction ends cleanly
        connection.WriteLine(needs.MailCommand(envelope, caps) + (job.ExtraMailParameters is { } extra ? " " + extra : ""));
        var mail = pipelined ? null : await Flush(connection, timeouts, cancellationToken);
        var rcptReplies = new SmtpReply?[recipients.Count];
        for (var i = 0; i < recipients.Count; i++)
        {
            connection.WriteLine($"RCPT TO:<{recipients[i]}>");
            if (!pipelined && mail is { IsPositive: true })
                rcptReplies[i] = await Flush(connection, timeouts, cancellationToken);
            else if (!pipelined)
                break; // MAIL refused: no point in RCPT
        }
        if (pipelined && !bdat)
            connection.WriteLine("DATA");
        if (oneFlush)
            await WriteLastChunkAsync(connection, job, spool, cancellationToken);
        SmtpReply? data = null; // the reply to DATA, or with one flush to BDAT LAST
        if (pipelined)
        {
            await connection.FlushAsync(oneFlush ? timeouts.Data : timeouts.Command, cancellationToken);
            mail = await connection.ReadReplyAsync(timeouts.Command, cancellationToken);
            for (var i = 0; i < recipients.Count; i++)
                rcptReplies[i] = await connection.ReadReplyAsync(timeouts.Command, cancellationToken);
            if (!bdat || oneFlush)
                data = await connection.ReadReplyAsync(oneFlush ? timeouts.Data : timeouts.Command, cancellationToken);
        }

        if (mail is not { IsPositive: true })
        {
            await EndPendingDataAsync(connection, data, timeouts, cancellationToken);
            return await Reset(connection, recipients.Select(r => RecipientResult.FromReply(r, mail!, connection.Remote)).ToList(), timeouts, cancellationToken);
        }
        var accepted = new List<string>();
        var results = new Dictionary<string, RecipientResult>(StringComparer.Ordinal);
        for (var i = 0; i < recipients.Count; i++)
        {
            if (rcptReplies[i] is { IsPositive: true })
                accepted.Add(recipients[i]);
            else
                results[recipients[i]] = RecipientResult.FromReply(recipients[i], rcptReplies[i]!, connection.Remote);
        }
        if (accepted.Count == 0)
        {
            await EndPendingDataAsync(connection, data, timeouts, cancellationToken);
            return await Reset(connection, [.. results.Values], timeouts, cancellationToken);
        }

        var final = oneFlush
            ? data!
            : bdat
            ? await SendBdatAsync(connection, job, spool, pipelined, timeouts, cancellationToken)
            : await SendDataAsync(connection, job, spool, data, timeouts, cancellationToken);
        var primary = connection.PrimaryNode is { } node && final.IsPositive
            ? new ShadowRef(node, final.Lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], DateTimeOffset.UtcNow)
            : null;
        // A peer (it offers XSHADOW) took it on, even one that refused our shadow because it is stopping.
        var handoff = connection.Capabilities.Has("XSHADOW");
        foreach (var recipient in accepted)
            results[recipient] = RecipientResult.FromReply(recipient, final, connection.Remote) with { Primary = primary, Handoff = handoff };
        connection.Transactions++;
        connection.Reusable = final.Code != 421;
        return [.. recipients.Select(r => results[r])];
    }

    /// <summary>Reads the whole (small) body from the spool, hash checked, and writes it as BDAT LAST, unflushed.</summary>
    private static async Task WriteLastChunkAsync(SmtpClientConnection connection, DeliveryJob job, IMessageStore spool, CancellationToken cancellationToken)
    {
        var length = (int)job.Envelope.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        try
        {
            var filled = 0;
            await foreach (var chunk in spool.ReadChunksAsync(job.Envelope, cancellationToken))
            {
                if (filled + chunk.Length > length)
                    throw new InvalidDataException($"{job.QueueId}: the spool holds more than the {length} octets its envelope records");
                chunk.CopyTo(buffer.AsMemory(filled));
                filled += chunk.Length;
            }
            job.EnsureMayComplete(); // the hash matched (the enumeration completed); nothing of this transaction is sent yet
            connection.WriteLine($"BDAT {filled} LAST");
            connection.Output.Write(buffer.AsSpan(0, filled));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<SmtpReply> Flush(SmtpClientConnection connection, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        await connection.FlushAsync(timeouts.Command, cancellationToken);
        return await connection.ReadReplyAsync(timeouts.Command, cancellationToken);
    }

    private static async Task<SmtpReply> SendDataAsync(SmtpClientConnection connection, DeliveryJob job, IMessageStore spool,
        SmtpReply? data, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var envelope = job.Envelope;
        data ??= await connection.CommandAsync("DATA", timeouts.Command, cancellationToken);
        if (data.Code != 354)
            return data;
        var stuffer = new DotStuffer(connection.Output);
        await foreach (var chunk in spool.ReadChunksAsync(envelope, cancellationToken))
        {
            stuffer.Write(chunk.Span);
            if (connection.Output.UnflushedBytes >= FlushEvery)
                await connection.FlushAsync(timeouts.Data, cancellationToken);
        }
        job.EnsureMayComplete();
        stuffer.Finish(); // only reached when the spool copy's hash matched
        await connection.FlushAsync(timeouts.Data, cancellationToken);
        return await connection.ReadReplyAsync(timeouts.Data, cancellationToken);
    }

    private static async Task<SmtpReply> SendBdatAsync(SmtpClientConnection connection, DeliveryJob job, IMessageStore spool,
        bool pipelined, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var envelope = job.Envelope;
        var buffer = ArrayPool<byte>.Shared.Rent(BdatChunk);
        var sent = 0;
        SmtpReply? failure = null;
        try
        {
            var filled = 0;
            await foreach (var chunk in spool.ReadChunksAsync(envelope, cancellationToken))
            {
                var rest = chunk;
                while (!rest.IsEmpty)
                {
                    var take = Math.Min(rest.Length, BdatChunk - filled);
                    rest[..take].CopyTo(buffer.AsMemory(filled));
                    filled += take;
                    rest = rest[take..];
                    if (filled < BdatChunk)
                        continue;
                    failure ??= await SendChunkAsync(buffer.AsMemory(0, filled), last: false);
                    filled = 0;
                }
            }
            // The hash matched (the enumeration completed): only now may the message be completed with LAST.
            job.EnsureMayComplete();
            var final = await SendChunkAsync(buffer.AsMemory(0, filled), last: true);
            for (var i = 0; pipelined && i < sent - 1; i++)
            {
                var reply = await connection.ReadReplyAsync(timeouts.Command, cancellationToken);
                failure ??= reply.IsPositive ? null : reply;
            }
            final = pipelined ? await connection.ReadReplyAsync(timeouts.Data, cancellationToken) : final!;
            return failure ?? final!;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        async Task<SmtpReply?> SendChunkAsync(ReadOnlyMemory<byte> bytes, bool last)
        {
            connection.WriteLine(last ? $"BDAT {bytes.Length} LAST" : $"BDAT {bytes.Length}");
            connection.Output.Write(bytes.Span);
            await connection.FlushAsync(timeouts.Data, cancellationToken);
            sent++;
            if (pipelined)
                return null;
            var reply = await connection.ReadReplyAsync(last ? timeouts.Data : timeouts.Command, cancellationToken);
            return reply.IsPositive && !last ? null : reply;
        }
    }

    /// <summary>A pipelined DATA that a next hop answered 354 although no recipient was accepted (RFC 2920 3.1 says
    /// it must not): end it with an empty body so the session stays in step.</summary>
    private static async Task EndPendingDataAsync(SmtpClientConnection connection, SmtpReply? data, SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        if (data?.Code == 354)
            await connection.CommandAsync(".", timeouts.Data, cancellationToken);
    }

    private static async Task<IReadOnlyList<RecipientResult>> Reset(SmtpClientConnection connection, IReadOnlyList<RecipientResult> results,
        SmtpClientTimeouts timeouts, CancellationToken cancellationToken)
    {
        var reset = await connection.CommandAsync("RSET", timeouts.Command, cancellationToken);
        connection.Reusable = reset.IsPositive;
        return results;
    }
}
