using TransportGuard.Smtp;
using TransportGuard.Tests.Support;

namespace TransportGuard.Tests.Smtp;

/// <summary>The session over an in-memory pipe: pipelining flushes, virtual-clock timeouts, faults in the sink.</summary>
public sealed class SmtpSessionTests
{
    [Fact]
    public async Task A_pipelined_group_is_answered_in_one_flush()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync("EHLO client.test\r\n");
        await harness.ReadRepliesAsync(2);
        var before = harness.Connection.Flushes;

        await harness.SendAsync("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nRCPT TO:<d@example.com>\r\nDATA\r\n");
        var replies = await harness.ReadRepliesAsync(5);

        Assert.Equal(["250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"], replies);
        Assert.Equal(before + 1, harness.Connection.Flushes);
    }

    [Fact]
    public async Task An_idle_client_is_dropped_with_421_after_the_command_timeout_on_the_virtual_clock()
    {
        await using var harness = new SessionHarness();
        await harness.ReadRepliesAsync(1);
        await harness.AssertSessionEndsAtAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(["421 4.4.2 Error: timeout exceeded, closing connection"], await harness.ReadRepliesAsync(1));
    }

    [Fact]
    public async Task A_stalled_data_transfer_times_out_after_the_data_block_timeout()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: half\r\n");
        await harness.ReadRepliesAsync(5);
        await harness.AssertSessionEndsAtAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(["421 4.4.2 Error: timeout exceeded, closing connection"], await harness.ReadRepliesAsync(1));
        Assert.Equal(0, harness.QueuedMessages);
    }

    [Fact]
    public async Task A_commit_failure_answers_451_and_keeps_nothing()
    {
        await using var harness = new SessionHarness(wrapSink: sink => new FaultySink(sink, failCommit: true));
        await harness.SendAsync("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        await harness.ReadRepliesAsync(5);
        await harness.SendAsync("Subject: x\r\n\r\nbody\r\n.\r\n");
        Assert.Equal(["451 4.3.0 Error: queue file write error, try again later"], await harness.ReadRepliesAsync(1));
        Assert.Equal(0, harness.QueuedMessages);

        // The session goes on: the client may retry at once.
        await harness.SendAsync("NOOP\r\n");
        Assert.Equal(["250 2.0.0 Ok"], await harness.ReadRepliesAsync(1));
    }

    [Fact]
    public async Task A_storage_error_while_data_streams_answers_451_after_the_data_and_the_session_goes_on()
    {
        await using var harness = new SessionHarness(wrapSink: sink => new FaultySink(sink, failWrite: true, writeError: () => new IOException("No space left on device (injected)")));
        await harness.SendAsync("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        await harness.ReadRepliesAsync(5);
        await harness.SendAsync("Subject: x\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", 2000)) + ".\r\nNOOP\r\n");
        Assert.Equal(["451 4.3.0 Error: queue file write error, try again later", "250 2.0.0 Ok"], await harness.ReadRepliesAsync(2));
        Assert.Equal(0, harness.QueuedMessages);
    }

    [Fact]
    public async Task An_unexpected_fault_closes_the_session_with_421_without_leaking_the_exception()
    {
        await using var harness = new SessionHarness(wrapSink: sink => new FaultySink(sink, failWrite: true));
        await harness.SendAsync("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        await harness.ReadRepliesAsync(5);
        await harness.SendAsync("Subject: x\r\n\r\nbody\r\n.\r\n");
        var reply = Assert.Single(await harness.ReadRepliesAsync(1));
        Assert.Equal("421 4.3.0 Error: internal error, closing connection", reply);
        Assert.DoesNotContain("Exception", reply, StringComparison.Ordinal);
        await harness.Running.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(0, harness.QueuedMessages);
    }

    /// <summary>Fault injection around the real sink: a commit that fails as a full disk would, or a bug in a write.</summary>
    private sealed class FaultySink(IMessageSink inner, bool failCommit = false, bool failWrite = false, Func<Exception>? writeError = null) : IMessageSink
    {
        public bool HasCapacity(long declaredSize) => inner.HasCapacity(declaredSize);

        public async ValueTask<IMessageWriter> OpenAsync(MessageEnvelope envelope, CancellationToken cancellationToken) =>
            new Writer(await inner.OpenAsync(envelope, cancellationToken), failCommit, failWrite, writeError ?? (() => new InvalidCastException("injected bug")));

        private sealed class Writer(IMessageWriter inner, bool failCommit, bool failWrite, Func<Exception> writeError) : IMessageWriter
        {
            public string QueueId => inner.QueueId;

            public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
                failWrite ? throw writeError() : inner.WriteAsync(content, cancellationToken);

            public ValueTask<string?> CommitAsync(CancellationToken cancellationToken) =>
                failCommit ? throw new IOException("No space left on device (injected)") : inner.CommitAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
