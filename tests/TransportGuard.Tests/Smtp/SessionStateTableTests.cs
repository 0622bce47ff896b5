using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TransportGuard.Smtp.Protocol;

namespace TransportGuard.Tests.Smtp;

/// <summary>
/// The state table against a reference model written from RFC 5321 4.1.4 in other terms: a session is a few
/// facts (greeted? sender given? recipients? chunks sent?) and each verb a rule over those facts.
/// </summary>
public sealed class SessionStateTableTests
{
    private sealed record Model(bool Greeted, bool HasSender, bool HasRecipients, bool Chunking)
    {
        public static readonly Model Start = new(false, false, false, false);

        public SessionState AsState =>
            !Greeted ? SessionState.Connected
            : Chunking ? SessionState.ChunkingData
            : HasRecipients ? SessionState.RcptGiven
            : HasSender ? SessionState.MailGiven
            : SessionState.Greeted;

        private bool InTransaction => HasSender;
        private Model Idle => new(Greeted, false, false, false);

        /// <summary>The model's answer: null when the verb is refused, else the facts after it succeeds.</summary>
        public Model? Apply(SmtpVerb verb) => verb switch
        {
            SmtpVerb.Ehlo or SmtpVerb.Helo => new Model(true, false, false, false),
            SmtpVerb.Mail => Greeted && !InTransaction ? this with { HasSender = true } : null,
            SmtpVerb.Rcpt => HasSender && !Chunking ? this with { HasRecipients = true } : null,
            SmtpVerb.Data => HasRecipients && !Chunking ? Idle : null,
            SmtpVerb.Bdat => HasRecipients ? this with { Chunking = true } : null,
            SmtpVerb.Rset => Idle,
            SmtpVerb.StartTls => InTransaction ? null : Start,
            _ => this, // NOOP, HELP, VRFY, QUIT, extensions: no change
        };
    }

    [Property(MaxTest = 1000)]
    public Property The_table_agrees_with_the_reference_model_on_any_verb_sequence() =>
        Prop.ForAll(Gen.Elements(Enum.GetValues<SmtpVerb>()).ListOf().ToArbitrary(), verbs =>
        {
            var model = Model.Start;
            var state = SessionState.Connected;
            foreach (var verb in verbs)
            {
                var transition = SessionStateTable.Lookup(state, verb);
                var expected = model.Apply(verb);
                if (transition.Allowed != (expected is not null))
                    return false.Label($"{verb} in {state}: table allowed={transition.Allowed}");
                if (expected is null)
                {
                    if (transition.Refusal is not { Code: >= 500 })
                        return false.Label($"{verb} in {state}: refusal must be a 5xx");
                    continue;
                }
                if (transition.Next != expected.AsState)
                    return false.Label($"{verb} in {state}: table -> {transition.Next}, model -> {expected.AsState}");
                model = expected;
                state = transition.Next;
            }
            return true.ToProperty();
        });

    [Theory]
    [InlineData(nameof(SessionState.Connected), nameof(SmtpVerb.Mail), "503 5.5.1 Error: send HELO/EHLO first")]
    [InlineData(nameof(SessionState.Greeted), nameof(SmtpVerb.Rcpt), "503 5.5.1 Error: need MAIL command")]
    [InlineData(nameof(SessionState.MailGiven), nameof(SmtpVerb.Mail), "503 5.5.1 Error: nested MAIL command")]
    [InlineData(nameof(SessionState.MailGiven), nameof(SmtpVerb.Data), "554 5.5.1 Error: no valid recipients")]
    [InlineData(nameof(SessionState.ChunkingData), nameof(SmtpVerb.Data), "503 5.5.1 Error: bad sequence of commands")]
    [InlineData(nameof(SessionState.RcptGiven), nameof(SmtpVerb.StartTls), "503 5.5.1 Error: bad sequence of commands")]
    public void Refusals_carry_the_reply_operators_expect(string state, string verb, string reply) =>
        Assert.Equal(reply, SessionStateTable.Lookup(Enum.Parse<SessionState>(state), Enum.Parse<SmtpVerb>(verb)).Refusal!.ToString());
}
