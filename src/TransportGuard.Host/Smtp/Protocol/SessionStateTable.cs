namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// The session state machine as a table: state x verb -> next state on success, or the refusal (RFC 5321 4.1.4,
/// RFC 3030 for BDAT, RFC 3207 for STARTTLS). Handlers may still refuse an allowed command on its arguments
/// (a relay denial leaves the state as it was); they never allow what the table refuses.
/// </summary>
internal static class SessionStateTable
{
    private static readonly Transition[,] Table = Build();

    public static Transition Lookup(SessionState state, SmtpVerb verb) => Table[(int)state, (int)verb];

    private static Transition[,] Build()
    {
        var states = Enum.GetValues<SessionState>();
        var table = new Transition[states.Length, Enum.GetValues<SmtpVerb>().Length];
        foreach (var s in states)
        {
            var inTransaction = s is SessionState.MailGiven or SessionState.RcptGiven or SessionState.ChunkingData;
            var greeted = s != SessionState.Connected;
            // EHLO/HELO may come at any time and reset the transaction (RFC 5321 4.1.4).
            Set(table, s, SmtpVerb.Ehlo, Transition.To(SessionState.Greeted));
            Set(table, s, SmtpVerb.Helo, Transition.To(SessionState.Greeted));
            Set(table, s, SmtpVerb.Mail, s switch
            {
                SessionState.Connected => Transition.Refuse(SmtpReplies.NeedHelo),
                SessionState.Greeted => Transition.To(SessionState.MailGiven),
                _ => Transition.Refuse(SmtpReplies.NestedMail),
            });
            Set(table, s, SmtpVerb.Rcpt, s switch
            {
                SessionState.MailGiven or SessionState.RcptGiven => Transition.To(SessionState.RcptGiven),
                SessionState.ChunkingData => Transition.Refuse(SmtpReplies.BadSequence),
                _ => Transition.Refuse(SmtpReplies.NeedMail),
            });
            // DATA ends the transaction whatever its outcome.
            Set(table, s, SmtpVerb.Data, s switch
            {
                SessionState.RcptGiven => Transition.To(SessionState.Greeted),
                SessionState.MailGiven => Transition.Refuse(SmtpReplies.NoValidRecipients),
                SessionState.ChunkingData => Transition.Refuse(SmtpReplies.BadSequence),
                SessionState.Greeted => Transition.Refuse(SmtpReplies.NeedMail),
                _ => Transition.Refuse(SmtpReplies.NeedHelo),
            });
            // A BDAT without LAST moves to ChunkingData; the handler moves to Greeted on LAST.
            Set(table, s, SmtpVerb.Bdat, s switch
            {
                SessionState.RcptGiven or SessionState.ChunkingData => Transition.To(SessionState.ChunkingData),
                SessionState.MailGiven => Transition.Refuse(SmtpReplies.NoValidRecipients),
                SessionState.Greeted => Transition.Refuse(SmtpReplies.NeedMail),
                _ => Transition.Refuse(SmtpReplies.NeedHelo),
            });
            Set(table, s, SmtpVerb.Rset, Transition.To(greeted ? SessionState.Greeted : SessionState.Connected));
            Set(table, s, SmtpVerb.Noop, Transition.To(s));
            Set(table, s, SmtpVerb.Help, Transition.To(s));
            Set(table, s, SmtpVerb.Vrfy, Transition.To(s));
            Set(table, s, SmtpVerb.Quit, Transition.To(s));
            // STARTTLS only outside a transaction; afterwards the client must greet again (RFC 3207 4.2).
            Set(table, s, SmtpVerb.StartTls, inTransaction
                ? Transition.Refuse(SmtpReplies.BadSequence)
                : Transition.To(SessionState.Connected));
            Set(table, s, SmtpVerb.Extension, Transition.To(s));
        }
        return table;
    }

    private static void Set(Transition[,] table, SessionState state, SmtpVerb verb, Transition transition) =>
        table[(int)state, (int)verb] = transition;
}
