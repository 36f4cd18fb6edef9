namespace SalesScorecard.History;

/// <summary>The ways a backup can differ alarmingly from the previous verified backup of the same database.</summary>
public static class AnomalyKind
{
    /// <summary>A table lost more than the set share of its rows, and at least the set number of them.</summary>
    public const string RowsDropped = nameof(RowsDropped);

    /// <summary>A table that had at least the set number of rows has none (a table of one row emptied is an everyday edit).</summary>
    public const string TableEmptied = nameof(TableEmptied);

    /// <summary>A table is no longer in the database.</summary>
    public const string TableVanished = nameof(TableVanished);

    /// <summary>The stored archive is less than half the size of the previous one, compressed the same way.</summary>
    public const string SizeDropped = nameof(SizeDropped);
}
