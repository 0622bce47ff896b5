using System.Text;
using System.Buffers;
using System.IO.Pipelines;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Session;

internal sealed partial class SmtpSession
{
    private readonly record struct CommandInput(SmtpCommand? Command, SmtpReply? Error, bool EndOfStream)
    {
        public static readonly CommandInput End = new(null, null, true);
        public static CommandInput Fail(SmtpReply error) => new(null, error, false);
    }

    /// <summary>
    /// Reads the next command line. Bytes a client controls are bounded before they are parsed: no more than the
    /// longest allowed line is ever examined, and an over-long line is skipped to its end rather than buffered.
    /// </summary>
    private async ValueTask<CommandInput> ReadCommandAsync()
    {
        while (true)
        {
            var input = _connection.Input;
            var result = await ReadOrFlushAsync(CommandWait());
            var buffer = result.Buffer;
            if (_discardingLongLine)
            {
                var found = CommandLineReader.SkipPastLineEnd(ref buffer);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (found)
                {
                    _discardingLongLine = false;
                    return CommandInput.Fail(SmtpReplies.LineTooLong);
                }
                if (result.IsCompleted)
                    return CommandInput.End;
                continue;
            }

            switch (CommandLineReader.TryRead(ref buffer, _limits.MaxEnvelopeCommandLineLength, out var line))
            {
                case LineStatus.Complete:
                    var parsed = ParseLine(line);
                    input.AdvanceTo(buffer.Start);
                    return parsed;
                case LineStatus.BareLineEnding:
                    input.AdvanceTo(buffer.Start);
                    return CommandInput.Fail(SmtpReplies.BareLineEndingInCommand);
                case LineStatus.TooLong:
                    // Consume nothing yet: the skip above runs next on the same bytes, whose line end may be here.
                    _discardingLongLine = true;
                    input.AdvanceTo(buffer.Start);
                    continue;
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                        return CommandInput.End;
                    continue;
            }
        }
    }

    private CommandInput ParseLine(in ReadOnlySequence<byte> line)
    {
        // MAIL and RCPT may be longer than other commands: they carry ESMTP parameters (RFC 1869 4.1.2).
        var limit = IsEnvelopeCommand(line) ? _limits.MaxEnvelopeCommandLineLength : _limits.MaxCommandLineLength;
        if (line.Length + 2 > limit)
            return CommandInput.Fail(SmtpReplies.LineTooLong);
        return SmtpCommandParser.TryParse(line, out var command, out var error)
            ? new CommandInput(command, null, false)
            : CommandInput.Fail(error!);
    }

    private static bool IsEnvelopeCommand(in ReadOnlySequence<byte> line)
    {
        if (line.Length < 4)
            return false;
        Span<byte> verb = stackalloc byte[4];
        line.Slice(0, 4).CopyTo(verb);
        return Ascii.EqualsIgnoreCase(verb, "MAIL"u8) || Ascii.EqualsIgnoreCase(verb, "RCPT"u8);
    }

    /// <summary>
    /// Returns what the client has already sent, or, when it has sent nothing more, flushes our pending replies
    /// (the client is waiting for them) and waits for input up to <paramref name="timeout"/>.
    /// </summary>
    private async ValueTask<ReadResult> ReadOrFlushAsync(TimeSpan timeout)
    {
        var input = _connection.Input;
        if (input.TryRead(out var ready))
            return ready;
        // The timer covers the flush too: a client that stops reading our replies is timed out like a silent one.
        _timeout.CancelAfter(timeout);
        try
        {
            await FlushAsync();
            return await input.ReadAsync(_readCancellation.Token);
        }
        catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
        {
            throw new SessionTimeoutException();
        }
        finally
        {
            _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }
}
