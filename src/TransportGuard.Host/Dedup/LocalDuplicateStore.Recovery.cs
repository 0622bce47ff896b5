using System.Buffers.Binary;
using System.Diagnostics;
using FASTER.core;
using Microsoft.Extensions.Logging;
using TransportGuard.Spool;

namespace TransportGuard.Dedup;

using Session = ClientSession<DeliveryKey, StoredDelivery, RecordInput, StoredDelivery, int, DeliveryFunctions>;

/// <summary>
/// Recovery (docs/dedup.md): the journal is recovered to its last commit (a torn tail past it was never acknowledged),
/// the index to its latest complete checkpoint, and the journal is replayed into the index from the address that
/// checkpoint covers. Replaying an entry the index already holds changes nothing, so replaying too much is harmless;
/// the journal is only ever truncated up to an address a completed checkpoint covers, so it never replays too little.
/// </summary>
internal sealed partial class LocalDuplicateStore
{
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var journalBegin = _journal.Log.BeginAddress;
        var replayFrom = journalBegin;
        _kv.GetLatestCheckpointTokens(out var checkpoint, out _);
        // No complete checkpoint: none was ever taken, so the journal was never truncated and holds everything (a
        // partial first one is ignored, and so is whatever its log segments hold).
        if (checkpoint != default)
        {
            await _kv.RecoverAsync(cancellationToken: cancellationToken);
            if (_kv.RecoveredCommitCookie is { Length: 8 } cookie)
                replayFrom = BinaryPrimitives.ReadInt64LittleEndian(cookie);
            if (replayFrom < journalBegin)
            {
                // Only if a checkpoint newer than the one recovered was lost after the journal was truncated for it.
                LogJournalBehind(replayFrom, journalBegin);
                replayFrom = journalBegin;
            }
            else if (replayFrom > journalBegin)
            {
                _journal.Log.TruncateUntil(replayFrom);
            }
        }
        _writer = _kv.For(_functions).NewSession<DeliveryFunctions>();
        var (entries, unreadable) = Replay(_writer);
        LogRecovered(checkpoint != default, replayFrom, entries, unreadable, watch.ElapsedMilliseconds);
    }

    private (int Entries, int Unreadable) Replay(Session writer)
    {
        var cutoff = ExpiredBeforeTicks();
        var (entries, unreadable, pending) = (0, 0, 0);
        foreach (var entry in SpoolScan.Committed(_journal))
        {
            var record = entry.Record;
            if (entry.Unreadable || record.IsEmpty || record[0] != JournalFormat)
            {
                // A damaged entry (detected by its checksum) costs its own deliveries only; SpoolScan goes on after it.
                unreadable++;
                continue;
            }
            record = record[1..];
            while (StoredDelivery.TryReadJournal(ref record, out var key, out var stored))
            {
                entries++;
                if (Apply(writer, key, stored, cutoff).IsPending && ++pending >= 256)
                {
                    writer.CompletePending(wait: true);
                    pending = 0;
                }
            }
        }
        writer.CompletePending(wait: true);
        return (entries, unreadable);
    }

    [LoggerMessage(8108, LogLevel.Information, "Local duplicate store recovered (from a checkpoint: {FromCheckpoint}); replayed {Entries} journal entries from {ReplayFrom}, {Unreadable} unreadable, in {ElapsedMs} ms")]
    private partial void LogRecovered(bool fromCheckpoint, long replayFrom, int entries, int unreadable, long elapsedMs);

    [LoggerMessage(8109, LogLevel.Warning, "Local duplicate store: its checkpoint covers the journal before {Covered} but the journal begins at {Begin}; deliveries recorded in between may be forgotten")]
    private partial void LogJournalBehind(long covered, long begin);
}
