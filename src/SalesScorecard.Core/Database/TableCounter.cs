using System.Collections.Specialized;
using System.Text;
using Npgsql;

namespace SalesScorecard.Database;

/// <summary>
/// Exact row counts of every user table, found in the catalog rather than a fixed list, so a table added later is
/// never missed. Run it inside a REPEATABLE READ transaction to get one point in time.
/// </summary>
internal static class TableCounter
{
    // Ordinary and partitioned tables of every non-system schema. Partitions are counted through their parent;
    // ONLY keeps rows of inheritance children from being counted twice.
    private const string ListTablesSql = """
        SELECT n.nspname, c.relname, c.relkind = 'p' AS partitioned
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND NOT c.relispartition
          AND n.nspname <> 'information_schema'
          AND n.nspname !~ '^pg_'
        ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
        """;

    /// <summary>Every user table as <c>schema.table</c>, without reading any of them.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        (await FindTablesAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => QualifiedName(t.Schema, t.Name)).ToList();

    /// <summary>Counts every user table; names are <c>schema.table</c>, in schema then table order.</summary>
    public static async Task<IReadOnlyList<KeyValuePair<string, long>>> CountAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var tables = await FindTablesAsync(connection, cancellationToken).ConfigureAwait(false);

        if (tables.Count == 0)
        {
            return [];
        }

        var sql = new StringBuilder();
        for (var i = 0; i < tables.Count; i++)
        {
            var (schema, name, partitioned) = tables[i];
            sql.Append(i == 0 ? "" : " UNION ALL ")
               .Append("SELECT ").Append(i).Append(", count(*) FROM ")
               .Append(partitioned ? "" : "ONLY ")
               .Append(SqlIdentifier.Quote(schema)).Append('.').Append(SqlIdentifier.Quote(name));
        }

        var byIndex = new long[tables.Count];
        // No command timeout: a count waits for a table lock as long as pg_dump does (Npgsql would give up after 30 s);
        // a hang is ended by cancelling the run (Ctrl+C, or the backup's stall watchdog).
        await using (var count = new NpgsqlCommand(sql.ToString(), connection) { CommandTimeout = 0 })
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                byIndex[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        return tables.Select((t, i) => KeyValuePair.Create(QualifiedName(t.Schema, t.Name), byIndex[i])).ToList();
    }

    /// <summary>
    /// A table's name as the manifest keys it: <c>schema.table</c>, with a part quoted as SQL quotes it only when it
    /// holds a dot or begins with a quote, so that <c>"a.b".c</c> and <c>a."b.c"</c> stay two tables while every
    /// ordinary name reads as before.
    /// </summary>
    public static string QualifiedName(string schema, string table) => $"{QuoteIfAmbiguous(schema)}.{QuoteIfAmbiguous(table)}";

    private static string QuoteIfAmbiguous(string part) =>
        part.Contains('.', StringComparison.Ordinal) || part.StartsWith('"') ? SqlIdentifier.Quote(part) : part;

    private static async Task<List<(string Schema, string Name, bool Partitioned)>> FindTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Name, bool Partitioned)>();
        await using var list = new NpgsqlCommand(ListTablesSql, connection);
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }

        return tables;
    }
}
