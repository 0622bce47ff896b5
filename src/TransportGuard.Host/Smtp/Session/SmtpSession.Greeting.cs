using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Smtp.Session;

internal sealed partial class SmtpSession
{
    private readonly Dictionary<string, string> _items = new(StringComparer.Ordinal);

    /// <summary>What extension verbs established in this session, as it stands for the message being received.</summary>
    private IReadOnlyDictionary<string, string> SessionItems() => _items.Count == 0 ? MessageEnvelope.NoItems : new Dictionary<string, string>(_items, StringComparer.Ordinal);

    private SmtpSessionInfo Info => new(Id, _connection.RemoteEndPoint, _heloName, _connection.IsSecure, _items, _peerId);

    private bool TlsOffered => !_connection.IsSecure && _services.Tls.Certificate is not null;

    private async ValueTask EhloAsync(string domain)
    {
        await BeginGreetedSessionAsync(domain, esmtp: true);
        // RFC 1869 4.3: the first line names us; each further line is one keyword. No enhanced codes here (RFC 2034 3).
        var lines = new List<string>
        {
            $"{HostName} Hello {domain} [{ClientIp}]",
            "PIPELINING",
            $"SIZE {_limits.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "BINARYMIME",
        };
        if (TlsOffered)
            lines.Add("STARTTLS");
        foreach (var extension in _services.Extensions)
            lines.AddRange(extension.EhloKeywords(Info));
        Reply(new SmtpReply(250, null, lines));
    }

    private async ValueTask HeloAsync(string domain)
    {
        await BeginGreetedSessionAsync(domain, esmtp: false);
        Reply(new SmtpReply(250, null, HostName));
    }

    /// <summary>EHLO/HELO reset any transaction (RFC 5321 4.1.4); the table moved us to Greeted.</summary>
    private async ValueTask BeginGreetedSessionAsync(string domain, bool esmtp)
    {
        await ResetTransactionAsync();
        _heloName = domain;
        _esmtp = esmtp;
        _items.Clear(); // what XSHADOW established lasts until the next greeting
        _state = SessionState.Greeted;
    }

    private async ValueTask RsetAsync(SessionState next)
    {
        await ResetTransactionAsync();
        _state = next;
        Reply(SmtpReplies.ResetOk);
    }

    private void Quit()
    {
        Reply(SmtpReplies.Bye(HostName));
        _closing = true;
    }

    private async ValueTask StartTlsAsync()
    {
        var certificate = _services.Tls.Certificate;
        if (_connection.IsSecure)
        {
            RefuseCommand(SmtpReplies.AlreadyTls);
            return;
        }
        if (certificate is null)
        {
            RefuseCommand(SmtpReplies.TlsNotAvailable);
            return;
        }
        Reply(SmtpReplies.ReadyToStartTls);
        await FlushAsync();
        if (_connection.Input.TryRead(out var early))
        {
            if (!early.Buffer.IsEmpty)
                LogPipelinedAfterStartTls(Id, early.Buffer.Length);
            _connection.Input.AdvanceTo(early.Buffer.End);
        }

        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        handshake.CancelAfter(_limits.TlsHandshakeTimeout);
        await _connection.StartTlsAsync(certificate, handshake.Token);
        // RFC 3207 4.2: forget everything learnt before TLS; the client must greet again.
        await ResetTransactionAsync();
        _heloName = "";
        _esmtp = false;
        _items.Clear();
        ForgetPeer();
        _state = SessionState.Connected;
        LogTlsStarted(Id);
    }

    private async ValueTask ExtensionAsync(ExtensionCommand command)
    {
        var info = Info;
        var extension = _services.Extensions.FirstOrDefault(e => e.Accepts(command.Name, info));
        if (extension is null)
        {
            LogUnknownCommand(Id, command.Name);
            RefuseCommand(SmtpReplies.UnrecognizedCommand);
            return;
        }
        Reply(await extension.HandleAsync(command, info, _shutdown));
    }
}
