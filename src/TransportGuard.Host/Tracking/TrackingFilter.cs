namespace TransportGuard.Tracking;

/// <summary>
/// A query's filters applied to events read in time order. Matching by queue id follows links as it goes: an event
/// that matches adds its own and its related queue id, so the takeover copy of a shadow, the report of a message
/// or a resubmit's copy are found with it (docs/tracking.md, Queries).
/// </summary>
internal sealed class TrackingFilter
{
    private readonly TrackingQuery _query;
    private readonly HashSet<string>? _ids;
    private readonly string[] _needles;

    public TrackingFilter(TrackingQuery query, IEnumerable<string>? ids = null)
    {
        _query = query;
        _ids = query.QueueId is { } id ? new HashSet<string>(ids ?? [id], StringComparer.Ordinal) : null;
        _needles = [.. new[] { query.MessageId, query.Sender, query.Recipient }.OfType<string>().Where(IsVerbatimInJson)];
    }

    /// <summary>This filter again, starting from every queue id it has linked so far.</summary>
    public TrackingFilter Linked() => new(_query, _ids);

    /// <summary>A cheap look at the raw line: could it be a match? Values that JSON would escape are not looked for.</summary>
    public bool MightMatch(string line)
    {
        foreach (var needle in _needles)
        {
            if (!line.Contains(needle, StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return _ids is null || _ids.Any(id => line.Contains(id, StringComparison.Ordinal));
    }

    public bool Matches(TrackingEvent trackingEvent)
    {
        if (_query.MessageId is { } messageId && !string.Equals(trackingEvent.MessageId, messageId, StringComparison.OrdinalIgnoreCase))
            return false;
        if (_query.Sender is { } sender && !string.Equals(trackingEvent.Sender, sender, StringComparison.OrdinalIgnoreCase))
            return false;
        if (_query.Recipient is { } recipient && trackingEvent.Recipients?.Contains(recipient, StringComparer.OrdinalIgnoreCase) != true)
            return false;
        if (_ids is null)
            return true;
        if (!_ids.Contains(trackingEvent.QueueId) && !(trackingEvent.RelatedQueueId is { } related && _ids.Contains(related))
            && !(trackingEvent.PeerQueueId is { } onPeer && _ids.Contains(onPeer)))
            return false;
        _ids.Add(trackingEvent.QueueId);
        if (trackingEvent.RelatedQueueId is { } link)
            _ids.Add(link);
        return true;
    }

    /// <summary>Printable ASCII other than the quote and backslash: written as it is, so it can be looked for in the raw line.</summary>
    private static bool IsVerbatimInJson(string value) => value.All(c => c is >= ' ' and <= '~' and not '"' and not '\\');
}
