using System.Globalization;
using System.Text;

namespace TransportGuard.Chaos;

/// <summary>
/// Compares the generator's record with the sinks' records, per (Message-ID, recipient) pair.
/// acked: pairs of acknowledged messages (recipients the scenario makes a sink reject, "bad-*", excluded);
/// delivered: acked pairs that reached a sink; lost: acked pairs that never did; duplicated: pairs (acknowledged or
/// not) that reached the sinks more than once; late: acked pairs whose first delivery came after --deadline-ms.
/// With --wait-until-ms it first polls the sink files until every acked pair arrived or that time passed.
/// --lost-sink NAME[,NAME]: sinks that stand for mailboxes that lost what they took (the old active of a lossy mailbox
/// failover): their records are not deliveries (they count neither as delivered nor as duplicated), and the summary
/// says what they held and how much of it reached another sink.
/// Prints one line "acked=N delivered=N lost=N duplicated=N late=N"; details go to --summary.
/// </summary>
public static class Verify
{
    private sealed record Delivery(long Ms, string Node, string Sink);

    public static int Run(Options o)
    {
        var genFile = o.Str("gen");
        var sinks = o.Str("sinks").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var deadline = (long)o.Num("deadline-ms", long.MaxValue);
        var waitUntil = (long)o.Num("wait-until-ms", 0);
        var summaryPath = o.Maybe("summary");
        var lostSinks = (o.Maybe("lost-sink") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

        var gen = ReadGen(genFile);
        while (true)
        {
            var (deliveries, _, _) = ReadSinks(sinks, lostSinks);
            var missing = gen.AckedPairs.Count(p => !deliveries.ContainsKey(p));
            if (missing == 0 || Clock.NowMs() >= waitUntil) break;
            Thread.Sleep(500);
        }
        var (final, bounces, lostRecords) = ReadSinks(sinks, lostSinks);

        var lostPairs = gen.AckedPairs.Where(p => !final.ContainsKey(p)).ToList();
        var delivered = gen.AckedPairs.Count - lostPairs.Count;
        var latePairs = gen.AckedPairs.Where(p => final.TryGetValue(p, out var d) && d.Min(x => x.Ms) > deadline).ToList();
        var dupPairs = final.Where(kv => kv.Value.Count > 1).ToList();
        var extra = dupPairs.Sum(kv => kv.Value.Count - 1);
        var dupFromRetry = dupPairs.Count(kv => gen.DataAttempts.GetValueOrDefault(kv.Key.Id) > 1);
        var unknownKnown = final.Keys.Count(p => gen.Ids.Contains(p.Id) && !gen.AckedIds.Contains(p.Id));
        var stray = final.Keys.Count(p => p.Id.StartsWith("<chaos.", StringComparison.Ordinal) && !gen.Ids.Contains(p.Id));
        var badDelivered = final.Keys.Count(p => p.Rcpt.StartsWith("bad-", StringComparison.Ordinal));

        var line = $"acked={gen.AckedPairs.Count} delivered={delivered} lost={lostPairs.Count} duplicated={dupPairs.Count} late={latePairs.Count}";
        if (summaryPath is not null)
        {
            var s = new StringBuilder();
            s.AppendLine(line);
            s.AppendLine(CultureInfo.InvariantCulture, $"messages_generated={gen.Ids.Count} messages_acked={gen.AckedIds.Count} messages_permfail={gen.PermFailed} messages_abandoned={gen.Abandoned}");
            s.AppendLine(CultureInfo.InvariantCulture, $"sender_unknown_outcomes={gen.Unknown} (connection cut after the data; the sender retried)");
            s.AppendLine(CultureInfo.InvariantCulture, $"duplicated_pairs={dupPairs.Count} extra_deliveries={extra} duplicated_after_sender_retry={dupFromRetry} duplicated_without_sender_retry={dupPairs.Count - dupFromRetry}");
            s.AppendLine(CultureInfo.InvariantCulture, $"unacked_pairs_delivered={unknownKnown} unknown_message_ids_in_sinks={stray} rejected_recipients_delivered={badDelivered}");
            var reported = bounces.GroupBy(b => b).ToList();
            s.AppendLine(CultureInfo.InvariantCulture, $"bounces={bounces.Count} messages_with_rejected_recipients_acked={gen.AckedWithBad} messages_bounced={reported.Count} messages_bounced_more_than_once={reported.Count(g => g.Count() > 1)}");
            foreach (var g in reported.Where(g => g.Count() > 1).Take(100)) s.AppendLine(CultureInfo.InvariantCulture, $"dup-bounce {g.Key} x{g.Count()}");
            if (lostSinks.Count > 0)
                AppendLostSinks(s, lostSinks, lostRecords, final, gen);
            s.AppendLine(CultureInfo.InvariantCulture, $"deadline_ms={deadline}");
            s.AppendLine("# lost (Message-ID recipient):");
            foreach (var p in lostPairs.Take(200)) s.AppendLine(CultureInfo.InvariantCulture, $"lost {p.Id} {p.Rcpt}");
            s.AppendLine("# duplicated (Message-ID recipient: ms/node/sink of each delivery; retry=sender retried the message):");
            foreach (var kv in dupPairs.Take(500))
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"dup {kv.Key.Id} {kv.Key.Rcpt} retry={(gen.DataAttempts.GetValueOrDefault(kv.Key.Id) > 1 ? "yes" : "no")}: {string.Join(' ', kv.Value.Select(d => $"{d.Ms}/{d.Node}/{d.Sink}"))}");
            s.AppendLine("# late (Message-ID recipient first-delivery-ms):");
            foreach (var p in latePairs.Take(200)) s.AppendLine(CultureInfo.InvariantCulture, $"late {p.Id} {p.Rcpt} {final[p].Min(x => x.Ms)}");
            File.WriteAllText(summaryPath, s.ToString());
        }
        Console.WriteLine(line);
        return 0;
    }

    /// <summary>What the lost sinks held, and where the pairs they had were delivered instead: a pair that reached a
    /// counted sink after a lost sink recorded it came by the Safety Net's resubmission (or by the retry of a delivery
    /// the kill cut between the lost sink's record and its 250); the rest of a counted sink's pairs came directly.</summary>
    private static void AppendLostSinks(StringBuilder s, HashSet<string> lostSinks, Dictionary<Pair, List<Delivery>> lostRecords,
        Dictionary<Pair, List<Delivery>> final, GenRecord gen)
    {
        foreach (var name in lostSinks.Order(StringComparer.Ordinal))
        {
            var held = lostRecords.Where(kv => kv.Value.Any(d => d.Sink == name)).Select(kv => kv.Key).ToList();
            var acked = held.Count(gen.AckedPairs.Contains);
            var elsewhere = held.Count(p => gen.AckedPairs.Contains(p) && final.ContainsKey(p));
            s.AppendLine(CultureInfo.InvariantCulture,
                $"lost_sink={name} records={lostRecords.Values.Sum(l => l.Count(d => d.Sink == name))} pairs={held.Count} acked_pairs={acked} acked_pairs_delivered_elsewhere={elsewhere} (not counted as deliveries: the mailbox lost them)");
        }
        foreach (var sink in final.SelectMany(kv => kv.Value.Select(d => (d.Sink, kv.Key))).GroupBy(x => x.Sink).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var pairs = sink.Select(x => x.Key).Distinct().ToList();
            var after = pairs.Count(p => lostRecords.TryGetValue(p, out var l) && l.Min(d => d.Ms) <= final[p].Where(d => d.Sink == sink.Key).Min(d => d.Ms));
            s.AppendLine(CultureInfo.InvariantCulture,
                $"sink={sink.Key} pairs={pairs.Count} after_a_lost_sink={after} (resubmitted, or retried after a delivery cut by the kill) directly={pairs.Count - after}");
        }
    }

    private readonly record struct Pair(string Id, string Rcpt);

    private sealed class GenRecord
    {
        public HashSet<Pair> AckedPairs { get; } = [];
        public HashSet<string> AckedIds { get; } = [];
        public HashSet<string> Ids { get; } = [];
        public Dictionary<string, int> DataAttempts { get; } = [];
        public int Unknown, PermFailed, Abandoned, AckedWithBad;
    }

    private static GenRecord ReadGen(string path)
    {
        var g = new GenRecord();
        foreach (var line in File.ReadLines(path))
        {
            var f = line.Split('\t');
            if (f.Length < 6) continue;   // a torn last line
            var (ev, id) = (f[1], f[2]);
            g.Ids.Add(id);
            if (ev is "ack" or "unknown" or "tempfail") g.DataAttempts[id] = g.DataAttempts.GetValueOrDefault(id) + 1;
            switch (ev)
            {
                case "ack":
                    if (g.AckedIds.Add(id) && f[5].Contains("bad-", StringComparison.Ordinal)) g.AckedWithBad++;
                    foreach (var r in f[5].Split(','))
                        if (!r.StartsWith("bad-", StringComparison.Ordinal)) g.AckedPairs.Add(new Pair(id, r));
                    break;
                case "unknown": g.Unknown++; break;
                case "permfail": g.PermFailed++; break;
                case "abandoned": g.Abandoned++; break;
            }
        }
        return g;
    }

    /// <summary>Every sink's records by pair; those of <paramref name="lostSinks"/> apart (not deliveries).</summary>
    private static (Dictionary<Pair, List<Delivery>> Deliveries, List<string> Bounces, Dictionary<Pair, List<Delivery>> Lost) ReadSinks(string[] files,
        HashSet<string> lostSinks)
    {
        var d = new Dictionary<Pair, List<Delivery>>();
        var lost = new Dictionary<Pair, List<Delivery>>();
        var bounces = new List<string>();
        foreach (var file in files)
        {
            if (!File.Exists(file)) continue;
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                var f = line.Split('\t');
                if (f.Length < 7) continue;
                var into = lostSinks.Contains(f[4]) ? lost : d;
                if (f[5] == "<>" && into == d) { bounces.Add(f.Length > 7 ? f[7] : "-"); continue; }
                var p = new Pair(f[1], f[2]);
                if (!into.TryGetValue(p, out var list)) into[p] = list = [];
                list.Add(new Delivery(long.Parse(f[0], CultureInfo.InvariantCulture), f[3], f[4]));
            }
        }
        return (d, bounces, lost);
    }
}
