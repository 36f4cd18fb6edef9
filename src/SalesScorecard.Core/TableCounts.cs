using System.Collections.Specialized;
using System.Globalization;

namespace SalesScorecard;

/// <summary>
/// <c>schema.table</c> to its row count, sorted by name: an ordered dictionary, as PowerShell shows and indexes it best,
/// whose text (an Export-Csv cell) is <c>public.a=1; public.b=2</c>, not its type name.
/// </summary>
public sealed class TableCounts : OrderedDictionary
{
    public TableCounts()
        : base(StringComparer.Ordinal)
    {
    }

    public static TableCounts From(IEnumerable<KeyValuePair<string, long>> counts)
    {
        var ordered = new TableCounts();
        foreach (var (name, rows) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            ordered.Add(name, rows);
        }

        return ordered;
    }

    public override string ToString() =>
        string.Join("; ", this.Cast<System.Collections.DictionaryEntry>().Select(e => $"{e.Key}={Convert.ToString(e.Value, CultureInfo.InvariantCulture)}"));
}
