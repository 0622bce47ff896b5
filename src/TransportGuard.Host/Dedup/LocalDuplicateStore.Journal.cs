using FASTER.core;
using Microsoft.Extensions.Logging;

namespace TransportGuard.Dedup;

using Session = ClientSession<DeliveryKey, StoredDelivery, RecordInput, StoredDelivery, int, DeliveryFunctions>;

/// <summary>
/// Recording (docs/dedup.md): a writer appends its entries to the journal's memory and waits. One loop takes
/// everything appended so far, starts one journal commit for all of it (group commit, as the spool's
/// GroupCommitter; unlike it, this loop also applies), applies the entries to the index in journal order while the
/// commit is under way, and answers once both are done. So the index changes only here, in the order a replay after
/// a crash repeats, and a checkpoint started between two rounds covers exactly the journal before the next
/// unapplied entry.
/// </summary>
internal sealed partial class LocalDuplicateStore
{
    private const byte JournalFormat = 1;
    // Created after recovery: a FASTER session opened before it would stay in the version before the checkpoint.
    private Session? _writer;
    private readonly Lock _pendingLock = new();
    private List<Pending> _pending = [];
    private readonly SemaphoreSlim _work = new(0);
    // Held while a round applies, and while a checkpoint reads the journal address it covers and starts.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private Exception? _failure;

    private sealed record Pending(long Address, (DeliveryKey Key, StoredDelivery Entry)[] Records, TaskCompletionSource Done);

    public async Task RecordAsync(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (entries.Count == 0)
            return;
        Enter();
        try
        {
            if (Volatile.Read(ref _failure) is { } failure)
                throw new DuplicateStoreUnavailableException("the local duplicate store's journal failed; it takes nothing until reopened", failure);
            var durable = new List<Task>(1);
            foreach (var records in JournalEntries(entries))
                durable.Add(await AppendAsync(records, cancellationToken));
            await Task.WhenAll(durable).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not DuplicateStoreUnavailableException and not OperationCanceledException)
        {
            throw new DuplicateStoreUnavailableException("the local duplicate store cannot record", ex);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The entries in groups that each fit one journal entry (a page).</summary>
    private IEnumerable<(DeliveryKey, StoredDelivery)[]> JournalEntries(IReadOnlyList<KeyValuePair<DeliveryKey, DeliveredEntry>> entries)
    {
        var group = new List<(DeliveryKey, StoredDelivery)>();
        var length = 1;
        foreach (var (key, entry) in entries)
        {
            var stored = StoredDelivery.From(entry);
            if (length + stored.JournalLength > _sizes.MaxJournalEntry)
            {
                yield return [.. group];
                group.Clear();
                length = 1;
            }
            group.Add((key, stored));
            length += stored.JournalLength;
        }
        yield return [.. group];
    }

    /// <summary>Appends one journal entry; the task completes once it is durable and applied.</summary>
    private async Task<Task> AppendAsync((DeliveryKey Key, StoredDelivery Entry)[] records, CancellationToken cancellationToken)
    {
        var bytes = new byte[1 + records.Sum(r => r.Entry.JournalLength)];
        bytes[0] = JournalFormat;
        var offset = 1;
        foreach (var (key, entry) in records)
        {
            entry.WriteJournal(key, bytes.AsSpan(offset));
            offset += entry.JournalLength;
        }
        while (true)
        {
            // Appending and queueing under one lock keeps the queue in journal order.
            lock (_pendingLock)
            {
                if (_journal.Log.TryEnqueue(bytes, out var address))
                {
                    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pending.Add(new Pending(address, records, done));
                    if (_pending.Count == 1)
                        _work.Release();
                    return done.Task;
                }
            }
            // The journal's memory is full of pages still being written out: they free themselves shortly.
            await Task.Delay(1, cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            try
            {
                await _work.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Closing: what is still queued is finished first (no call is under way any more, none can start).
                lock (_pendingLock)
                {
                    if (_pending.Count == 0)
                        return;
                }
            }
            await RoundAsync();
        }
    }

    private async Task RoundAsync()
    {
        await _gate.WaitAsync();
        try
        {
            List<Pending> batch;
            lock (_pendingLock)
                (batch, _pending) = (_pending, []);
            if (batch.Count == 0)
                return;
            if (Volatile.Read(ref _failure) is { } failure)
            {
                // Queued before the failure was known; the index's session may still be held by a stuck write.
                Settle(batch, failure);
                return;
            }
            // The commit covers everything appended before it starts, the whole batch at least.
            var commit = _journal.CommitAsync(CancellationToken.None).AsTask();
            Exception? error = null;
            try
            {
                // FASTER blocks a thread for ever when its log's memory is full of pages it cannot write (a full or
                // failed disk): bounded here, the store fails instead of hanging every delivery.
                await Task.Run(() => ApplyAsync(batch)).WaitAsync(IoTimeout);
            }
            catch (TimeoutException ex)
            {
                error = new IOException($"applying to the index did not finish in {IoTimeout}: its log cannot be written", ex);
                LogApplyFailed(error);
                Volatile.Write(ref _failure, error);
            }
            catch (Exception ex)
            {
                LogApplyFailed(ex);
                error = ex;
            }
            try
            {
                await commit.WaitAsync(IoTimeout);
            }
            catch (Exception ex)
            {
                // FasterLog refuses every commit after a failed one: recording stops until the store is reopened.
                // Entries applied from this batch stay visible: they are deliveries that did happen.
                LogCommitFailed(ex);
                Volatile.Write(ref _failure, ex);
                error = ex;
            }
            Settle(batch, error);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Settle(List<Pending> batch, Exception? error)
    {
        var committed = _journal.Log.CommittedUntilAddress;
        var uncovered = new List<Pending>();
        foreach (var pending in batch)
        {
            if (error is not null)
                pending.Done.TrySetException(new DuplicateStoreUnavailableException("the local duplicate store cannot record", error));
            else if (pending.Address < committed)
                pending.Done.TrySetResult();
            else
                uncovered.Add(pending); // never seen with 2.6.5; waits for the next commit rather than answer early
        }
        if (uncovered.Count == 0)
            return;
        lock (_pendingLock)
        {
            _pending.InsertRange(0, uncovered);
            _work.Release();
        }
    }

    private async Task ApplyAsync(List<Pending> batch)
    {
        var cutoff = ExpiredBeforeTicks();
        var pending = false;
        foreach (var item in batch)
        {
            foreach (var (key, entry) in item.Records)
                pending |= Apply(_writer!, key, entry, cutoff).IsPending;
        }
        if (!pending)
            return;
        using var completed = await _writer!.CompletePendingWithOutputsAsync();
        while (completed.Next())
            Check(completed.Current.Status);
    }

    /// <summary>Keeps the first unexpired entry of a key (see <see cref="DeliveryFunctions"/>).</summary>
    private static Status Apply(Session session, DeliveryKey key, StoredDelivery entry, long expiredBeforeTicks)
    {
        var input = new RecordInput(entry, expiredBeforeTicks);
        var output = default(StoredDelivery);
        return Check(session.RMW(ref key, ref input, ref output));
    }

    private static Status Check(Status status) =>
        status.IsFaulted ? throw new IOException("the local duplicate store's index failed to write a record") : status;

    [LoggerMessage(8102, LogLevel.Error, "Local duplicate store: journal commit failed; deliveries waiting on it hear the store is unavailable, and it records nothing more until reopened")]
    private partial void LogCommitFailed(Exception exception);

    [LoggerMessage(8103, LogLevel.Error, "Local duplicate store: applying recorded deliveries to the index failed")]
    private partial void LogApplyFailed(Exception exception);
}
