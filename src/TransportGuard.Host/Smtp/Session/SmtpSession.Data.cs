using System.Buffers;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Session;

internal sealed partial class SmtpSession
{
    private async ValueTask DataAsync()
    {
        var transaction = _transaction!;
        if (transaction.BinaryMime)
        {
            await EndTransactionAsync(transaction, SmtpReplies.BinaryNeedsBdat, "binarymime over data");
            return;
        }
        // Open the message before 354 so a sink that cannot take mail (disk full) is reported before the body comes.
        if (!await OpenMessageAsync(transaction))
            return;
        Reply(SmtpReplies.StartData);
        await FlushAsync();
        transaction.Scanner = new MessageBodyScanner(dotStuffed: true, _limits.MaxTextLineLength);
        if (!await ReceiveContentAsync(transaction, frameLength: null))
            return;
        await FinishMessageAsync(transaction);
    }

    /// <summary>RFC 3030: each BDAT carries exactly its announced octets; LAST ends the message.</summary>
    private async ValueTask BdatAsync(BdatCommand bdat)
    {
        var transaction = _transaction!;
        if (transaction.Writer is null && !await OpenMessageAsync(transaction))
        {
            await SkipOctetsAsync(bdat.Size);
            return;
        }
        transaction.Scanner ??= new MessageBodyScanner(dotStuffed: false, _limits.MaxTextLineLength, binary: transaction.BinaryMime);
        if (!await ReceiveContentAsync(transaction, bdat.Size))
            return;
        if (transaction.TooBig)
        {
            // Refuse at the chunk that crossed the limit; the client must not send more (RFC 3030 2).
            await EndTransactionAsync(transaction, SmtpReplies.MessageTooBig, "too big");
            return;
        }
        if (!bdat.Last)
        {
            _state = SessionState.ChunkingData;
            Reply(new SmtpReply(250, "2.0.0", $"Ok: {bdat.Size} octets received"));
            return;
        }
        transaction.Scanner.Finish();
        await FinishMessageAsync(transaction);
    }

    private async ValueTask RefuseBdatAsync(BdatCommand bdat, SmtpReply refusal)
    {
        await SkipOctetsAsync(bdat.Size);
        RefuseCommand(refusal);
    }

    private async ValueTask<bool> OpenMessageAsync(Transaction transaction)
    {
        if (!_services.Sink.HasCapacity(0))
        {
            LogStorageLow(Id);
            await EndTransactionAsync(transaction, SmtpReplies.InsufficientStorage, "storage low");
            return false;
        }
        try
        {
            var now = _services.Time.GetUtcNow();
            var envelope = new MessageEnvelope(transaction.ReversePath, transaction.Recipients, transaction.Parameters,
                ClientIp, _heloName, _connection.IsSecure, now, SessionItems());
            transaction.Writer = await _services.Sink.OpenAsync(envelope, CancellationToken.None);
            var received = ReceivedHeader.Build(_heloName, ClientIp, HostName, _esmtp, _connection.IsSecure,
                transaction.SmtpUtf8, transaction.Writer.QueueId, transaction.Recipients, envelope.ReceivedAt);
            // The trace header leads the first chunk rather than going to the sink on its own: one record less per
            // message. It does not count toward the message's size (SIZE and MaxMessageSize are the client's bytes).
            received.CopyTo(transaction.Chunk, 0);
            transaction.Filled = received.Length;
            transaction.HeaderLength = received.Length;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogSinkFailed(ex, Id, "open");
            await EndTransactionAsync(transaction, SmtpReplies.QueueWriteFailed, "sink open failed");
            return false;
        }
    }

    /// <summary>
    /// Streams content off the pipe through the scanner into the transaction's chunk, and the chunk into the sink
    /// whenever it fills. With a frame length (BDAT) exactly that many octets are read; without (DATA) reading
    /// stops after the CRLF "." CRLF line. Returns false when the client went away first.
    /// </summary>
    private async ValueTask<bool> ReceiveContentAsync(Transaction transaction, long? frameLength)
    {
        var scanner = transaction.Scanner!;
        var remaining = frameLength ?? long.MaxValue;
        while (frameLength is null || remaining > 0)
        {
            var result = await ReadOrFlushAsync(_limits.DataBlockTimeout);
            var buffer = result.Buffer;
            if (buffer.Length > remaining)
                buffer = buffer.Slice(0, remaining);
            long consumed = 0;
            var done = false;
            foreach (var segment in buffer)
            {
                var memory = segment;
                while (!memory.IsEmpty && !done)
                {
                    var status = scanner.Process(memory.Span, transaction.Chunk.AsSpan(transaction.Filled, Transaction.ChunkSize - transaction.Filled),
                        out var read, out var written);
                    memory = memory[read..];
                    consumed += read;
                    transaction.Filled += written;
                    if (status == OperationStatus.Done)
                        done = true;
                    else if (status == OperationStatus.DestinationTooSmall)
                        await DrainChunkAsync(transaction);
                }
                if (done)
                    break;
            }
            remaining -= consumed;
            var position = result.Buffer.GetPosition(consumed);
            if (done || remaining == 0)
            {
                _connection.Input.AdvanceTo(position);
                break;
            }
            _connection.Input.AdvanceTo(position, result.Buffer.End);
            if (result.IsCompleted)
            {
                _closing = true;
                await EndTransactionAsync(transaction, null, "connection lost during data");
                return false;
            }
        }
        await DrainChunkAsync(transaction);
        return true;
    }

    /// <summary>Hands the filled chunk to the sink, unless the message is already refused; counts the size as it goes.</summary>
    private async ValueTask DrainChunkAsync(Transaction transaction)
    {
        var filled = transaction.Filled;
        transaction.Filled = 0;
        if (filled == 0 || transaction.Refused)
            return;
        transaction.Size += filled - transaction.HeaderLength;
        transaction.HeaderLength = 0;
        if (transaction.Size > _limits.MaxMessageSize)
        {
            transaction.TooBig = true;
            return;
        }
        try
        {
            // The shutdown token lets a stop cancel a write stuck behind a spool that can no longer flush.
            await transaction.Writer!.WriteAsync(transaction.Chunk.AsMemory(0, filled), _shutdown);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A storage failure, not the client's: keep reading to the end of the data, then answer 451.
            LogSinkFailed(ex, Id, "write");
            transaction.SinkFailed = true;
        }
    }

    /// <summary>The end of the content: refuse what broke a rule, else commit and answer 250 only once durable.</summary>
    private async ValueTask FinishMessageAsync(Transaction transaction)
    {
        transaction.EndOfDataAt = _services.Time.GetTimestamp();
        var violations = transaction.Violations;
        if ((violations & BodyViolation.BareLineEnding) != 0)
        {
            await EndTransactionAsync(transaction, SmtpReplies.BareLineEndingInData, "bare line ending");
            return;
        }
        if ((violations & BodyViolation.LineTooLong) != 0)
        {
            await EndTransactionAsync(transaction, SmtpReplies.TextLineTooLong, "line too long");
            return;
        }
        if (transaction.TooBig)
        {
            await EndTransactionAsync(transaction, SmtpReplies.MessageTooBig, "too big");
            return;
        }
        if (transaction.SinkFailed)
        {
            await EndTransactionAsync(transaction, SmtpReplies.QueueWriteFailed, "sink write failed");
            return;
        }
        var writer = transaction.Writer!;
        string? notQueued;
        try
        {
            // Never cancelled: once started, a commit ends in a 250 or a 451, not in between.
            notQueued = await writer.CommitAsync(CancellationToken.None);
        }
        catch (MessageRefusedException refused)
        {
            await EndTransactionAsync(transaction, refused.Reply, "refused: " + refused.Reply.Lines[0]);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSinkFailed(ex, Id, "commit");
            await EndTransactionAsync(transaction, SmtpReplies.QueueWriteFailed, "commit failed");
            return;
        }
        _messagesAccepted++;
        if (notQueued is not null)
            await EndTransactionAsync(transaction, SmtpReplies.AcceptedNotQueued(notQueued), "duplicate, not queued");
        else
            await EndTransactionAsync(transaction, SmtpReplies.Queued(writer.QueueId), "queued");
    }

    /// <summary>Logs the transaction, answers (when there is an answer to give) and returns to the greeted state.</summary>
    private async ValueTask EndTransactionAsync(Transaction transaction, SmtpReply? reply, string result)
    {
        // How long the client waited, from the end of its data to our answer: the commit, mostly.
        var waited = transaction.EndOfDataAt == 0 ? 0 : _services.Time.GetElapsedTime(transaction.EndOfDataAt).TotalMilliseconds;
        LogTransaction(Id, ClientIp, transaction.ReversePath, transaction.Recipients.Count, transaction.Size,
            transaction.Writer?.QueueId ?? "-", result, reply?.Code ?? 0, waited);
        // Classified by the reply, not the log text: a refusal may say "failed" (451 4.4.0 Message failed to be made redundant).
        var kind = reply is { Code: 250 } ? "queued" : ReferenceEquals(reply, SmtpReplies.QueueWriteFailed) ? "failed" : "refused";
        _services.Metrics.TransactionEnded(kind, transaction.Size, waited / 1000);
        if (reply is not null)
            Reply(reply);
        await ResetTransactionAsync();
        _state = SessionState.Greeted;
    }

    /// <summary>Reads and drops the payload of a refused BDAT so that it is never taken for commands.</summary>
    private async ValueTask SkipOctetsAsync(long count)
    {
        while (count > 0)
        {
            var result = await ReadOrFlushAsync(_limits.DataBlockTimeout);
            var take = Math.Min(count, result.Buffer.Length);
            _connection.Input.AdvanceTo(result.Buffer.GetPosition(take));
            count -= take;
            if (count > 0 && result.IsCompleted)
            {
                _closing = true;
                return;
            }
        }
    }
}
