using System.Collections.ObjectModel;

namespace SalesScorecard;

/// <summary>A list in an output object whose text (an Export-Csv cell) is its items joined by "; ", not its type name.</summary>
public sealed class ReadableList<T>(IList<T> items) : ReadOnlyCollection<T>(items)
{
    public override string ToString() => string.Join("; ", this);
}
