using System.Text;

namespace TransportGuard.Smtp.Protocol;

/// <summary>
/// The ESMTP parameters of a MAIL or RCPT command (RFC 5321 4.1.2 esmtp-param), in the order given.
/// Keywords compare case-insensitively and are kept upper-case.
/// </summary>
internal sealed class EsmtpParameters : IEquatable<EsmtpParameters>
{
    public static readonly EsmtpParameters None = new([]);

    private readonly KeyValuePair<string, string?>[] _items;

    public EsmtpParameters(IEnumerable<KeyValuePair<string, string?>> items) => _items = [.. items];

    public IReadOnlyList<KeyValuePair<string, string?>> Items => _items;

    public bool Contains(string keyword) => _items.Any(p => p.Key.Equals(keyword, StringComparison.OrdinalIgnoreCase));

    public string? this[string keyword] =>
        _items.FirstOrDefault(p => p.Key.Equals(keyword, StringComparison.OrdinalIgnoreCase)).Value;

    public string ToWire()
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in _items)
            builder.Append(' ').Append(key).Append(value is null ? "" : "=" + value);
        return builder.ToString();
    }

    public bool Equals(EsmtpParameters? other) => other is not null && _items.SequenceEqual(other._items);
    public override bool Equals(object? obj) => Equals(obj as EsmtpParameters);
    public override int GetHashCode() => _items.Length;
    public override string ToString() => ToWire();
}
