using System.Data;
using Npgsql;
using SalesScorecard.Settings;

namespace SalesScorecard.Database;

public static class DatabaseInspector
{
    /// <summary>Connects and counts every table's rows in one snapshot.</summary>
    public static async Task<DatabaseInfo> InspectAsync(DatabaseUrl url, CancellationToken cancellationToken)
    {
        try
        {
            return await CountAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw DatabaseConnector.Failure(e, "Counting the rows");
        }
    }

    private static async Task<DatabaseInfo> CountAsync(DatabaseUrl url, CancellationToken cancellationToken)
    {
        await using var connection = await DatabaseConnector.OpenAsync(url, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var tables = await TableCounter.CountAsync(connection, cancellationToken).ConfigureAwait(false);
        return new DatabaseInfo
        {
            Database = connection.Database,
            Host = url.Host,
            Port = url.Port,
            ServerVersion = connection.ServerVersion,
            Tables = TableCounts.From(tables),
            TotalRows = tables.Sum(t => t.Value),
        };
    }
}
