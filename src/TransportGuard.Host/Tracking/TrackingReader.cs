using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace TransportGuard.Tracking;

/// <summary>
/// Answers a <see cref="TrackingQuery"/> from the hourly files of its window only, line by line (a line that cannot
/// contain what is asked is not parsed), holding no more than the limit. A line cut short by a crash is skipped.
/// </summary>
internal sealed class TrackingReader(TrackingDirectory directory, IOptions<TrackingOptions> options, TimeProvider time)
{
    public async Task<TrackingResult> ReadAsync(TrackingQuery query, CancellationToken cancellationToken = default)
    {
        var end = query.End ?? time.GetUtcNow();
        var start = query.Start ?? end - options.Value.HoldTime;
        var limit = Math.Clamp(query.Limit, 1, TrackingQuery.MaxLimit);
        var files = directory.Files().Where(f => f.Hour + TrackingDirectory.Hour > start && f.Hour <= end).Select(f => f.Path).ToList();
        var filter = new TrackingFilter(query with { MessageId = TrackingQuery.MessageIdOf(query.MessageId) });
        if (query.QueueId is not null)
        {
            // A first pass learns which queue ids are linked to the one asked for, so the second finds their
            // events from the start, not only from the link on.
            await foreach (var _ in ReadAsync(files, filter, start, end, cancellationToken))
            {
            }
            filter = filter.Linked();
        }
        var found = new List<TrackingEvent>();
        foreach (var file in files)
        {
            var inFile = new List<TrackingEvent>();
            await foreach (var trackingEvent in ReadAsync([file], filter, start, end, cancellationToken))
            {
                inFile.Add(trackingEvent);
                if (found.Count + inFile.Count > limit)
                    break;
            }
            // A file is one hour, written in the order events were recorded; sorting it (stably) is all the order needs.
            found.AddRange(inFile.OrderBy(e => e.At));
            if (found.Count > limit)
                return new TrackingResult(found.GetRange(0, limit), true, start, end);
        }
        return new TrackingResult(found, false, start, end);
    }

    private static async IAsyncEnumerable<TrackingEvent> ReadAsync(IEnumerable<string> files, TrackingFilter filter, DateTimeOffset start,
        DateTimeOffset end, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var path in files)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // swept meanwhile
            }
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!filter.MightMatch(line) || Parse(line) is not { } trackingEvent || trackingEvent.At < start || trackingEvent.At > end
                    || !filter.Matches(trackingEvent))
                    continue;
                yield return trackingEvent;
            }
        }
    }

    private static TrackingEvent? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, TrackingJson.Default.TrackingEvent);
        }
        catch (JsonException)
        {
            return null; // the last line of a file written when the node crashed
        }
    }
}
