using System.Collections.Specialized;
using System.Text;
using Npgsql;

namespace SalesScorecard.Database;

/// <summary>
/// Exact row counts of every user table, found in the catalog rather than a fixed list, so a table added later is
/// never missed. Run it inside a REPEATABLE READ transaction to get one point in time.
/// </summary>
public static class TableCounter
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

    /// <summary>Counts every user table; keys are <c>schema.table</c> in schema then name order.</summary>
    public static async Task<OrderedDictionary> CountAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Name, bool Partitioned)>();
        await using (var list = new NpgsqlCommand(ListTablesSql, connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
            }
        }

        var counts = new OrderedDictionary(StringComparer.Ordinal);
        if (tables.Count == 0)
        {
            return counts;
        }

        var sql = new StringBuilder();
        for (var i = 0; i < tables.Count; i++)
        {
            var (schema, name, partitioned) = tables[i];
            sql.Append(i == 0 ? "" : " UNION ALL ")
               .Append("SELECT ").Append(i).Append(", count(*) FROM ")
               .Append(partitioned ? "" : "ONLY ")
               .Append(QuoteIdentifier(schema)).Append('.').Append(QuoteIdentifier(name));
        }

        var byIndex = new long[tables.Count];
        await using (var count = new NpgsqlCommand(sql.ToString(), connection))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                byIndex[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        for (var i = 0; i < tables.Count; i++)
        {
            counts.Add($"{tables[i].Schema}.{tables[i].Name}", byIndex[i]);
        }

        return counts;
    }

    public static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
