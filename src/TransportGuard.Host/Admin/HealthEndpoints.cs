using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TransportGuard.Smtp;
using TransportGuard.Smtp.Transport;
using TransportGuard.Spool;

namespace TransportGuard.Admin;

/// <summary>Liveness and readiness for probes and load balancers (docs/operations.md).</summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app)
    {
        // Alive: the process answers HTTP. Restarting it would not help anything this cannot see.
        app.MapGet("/healthz", () => Results.Text("ok\n"));

        // Ready: mail sent now is taken. Not while the spool is unrecovered or failed, the listeners unbound, the node
        // drained, or the disk below its floor (every new message would get 421 or 452): a load balancer then sends
        // elsewhere. A node without peers is ready too: redundancy is reported by metrics, not by refusing traffic.
        app.MapGet("/readyz", (IMessageStore store, SmtpListener listener, DrainState drain, DiskSpaceGuard disk) =>
        {
            var problems = new List<string>();
            if (!store.IsOpen)
                problems.Add("spool not recovered");
            else if (store.Faulted)
                problems.Add("spool failed a commit; restarting once disk space is back");
            if (listener.EndPoints.Count == 0)
                problems.Add("SMTP listeners not bound");
            if (drain.Draining)
                problems.Add("draining: new mail is refused (421 4.3.2)");
            if (!disk.HasRoomFor(0))
                problems.Add("disk space below Spool:MinimumFreeBytes: new mail is refused (452 4.3.1)");
            return problems.Count == 0
                ? Results.Text("ready\n")
                : Results.Text(string.Join('\n', problems) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
    }
}
