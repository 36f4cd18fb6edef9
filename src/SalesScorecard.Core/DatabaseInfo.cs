using System.Collections.Specialized;

namespace SalesScorecard;

/// <summary>What Test-ScorecardDatabase found: the server, and every user table's exact row count.</summary>
public sealed class DatabaseInfo
{
    public required string Database { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string ServerVersion { get; init; }

    /// <summary><c>schema.table</c> to row count, ordered by schema then table.</summary>
    public required TableCounts Tables { get; init; }

    public required long TotalRows { get; init; }
}
