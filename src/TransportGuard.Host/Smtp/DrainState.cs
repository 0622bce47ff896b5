namespace TransportGuard.Smtp;

/// <summary>
/// A node being drained for maintenance takes no new mail: connections get 421 4.3.2, except sessions that
/// authenticate as a cluster peer (whose heartbeats must still reach it so its discard notices are acknowledged;
/// <see cref="Transport.SessionAdmission"/>).
/// </summary>
internal sealed class DrainState
{
    public bool Draining { get; private set; }

    public void Begin() => Draining = true;

    /// <summary>A drain cancelled: mail is taken again from everyone.</summary>
    public void End() => Draining = false;

    public static readonly Protocol.SmtpReply Refusal = new(421, "4.3.2", "Service not available: this node is being drained, try another");
}
