using TransportGuard.Queue;

namespace TransportGuard.Tests.Support;

/// <summary>Starting gateways that deliver, and sending them mail, for delivery tests.</summary>
internal static class Relay
{
    /// <summary>A gateway delivering to <paramref name="relayTo"/> with retries a fraction of a second apart.</summary>
    public static Task<TestGateway> StartAsync(string relayTo, params (string Key, string Value)[] settings) =>
        StartAsync(null, relayTo, settings);

    public static Task<TestGateway> StartAsync(TimeProvider? time, string relayTo, params (string Key, string Value)[] settings) =>
        TestGateway.StartAsync(time, [
            ("Queue:Suspended", "false"), ("Delivery:RelayTo", relayTo),
            ("Queue:RetryInitialDelay", "00:00:00.200"), ("Queue:RetryMaxDelay", "00:00:00.500"), ("Queue:RetryJitter", "0"),
            .. settings]);

    /// <summary>Sends one message (CRLF lines, ending in CRLF) and returns its queue id from the 250 reply.</summary>
    public static async Task<string> SendAsync(TestGateway gateway, string from, IReadOnlyList<string> to, string body)
    {
        await using var client = await RawSmtpClient.ConnectGreetedAsync(gateway.SmtpEndPoint);
        Assert.Equal(250, (await client.CommandAsync($"MAIL FROM:<{from}>")).Code);
        foreach (var recipient in to)
            Assert.Equal(250, (await client.CommandAsync($"RCPT TO:<{recipient}>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        var stuffed = string.Join("\r\n", body.Split("\r\n").Select(l => l.StartsWith('.') ? "." + l : l)); // RFC 5321 4.5.2
        var reply = await client.CommandAsync(stuffed + ".");
        Assert.Equal(250, reply.Code);
        return reply.Last.Split(' ')[^1];
    }

    public static string Body(string subject, string text = "Hello.\r\n") =>
        $"From: <a@example.org>\r\nTo: <b@example.com>\r\nSubject: {subject}\r\nMessage-Id: <{Guid.NewGuid():N}@test>\r\n\r\n{text}";

    /// <summary>Waits until the queue is empty (everything delivered or returned) or fails with what is left.</summary>
    public static async Task DrainedAsync(TestGateway gateway, TimeSpan timeout)
    {
        var queue = gateway.Services.GetService(typeof(QueueAdmin)) as QueueAdmin ?? throw new InvalidOperationException("no queue");
        await Eventually.UntilAsync(() => gateway.Spool.Index.Count == 0, timeout,
            () => "still queued: " + string.Join("; ", queue.List().Select(i => $"{i.QueueId} {i.State} {i.LastError}")));
    }
}
