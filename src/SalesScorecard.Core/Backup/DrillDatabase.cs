using Npgsql;
using SalesScorecard.Database;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>
/// The scratch database of a restore drill, claimed by a connection to it held for the whole drill. A run killed
/// outright cannot drop its database, but its connection dies with it: a <c>scorecard_drill_*</c> database nobody is
/// connected to belongs to a run that is gone, and the next drill drops it.
/// </summary>
internal sealed class DrillDatabase : IAsyncDisposable
{
    public const string NamePrefix = "scorecard_drill_";

    private readonly NpgsqlConnection _claim;

    private DrillDatabase(string name, NpgsqlConnection claim)
    {
        Name = name;
        _claim = claim;
    }

    public string Name { get; }

    /// <summary>
    /// Drops the drill databases of runs that are gone (each one reported as a warning), then creates an empty scratch
    /// database and claims it. The caller drops it after disposing this.
    /// </summary>
    public static async Task<DrillDatabase> CreateAsync(DatabaseUrl server, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var name = $"{NamePrefix}{Guid.NewGuid():N}"[..32];
        DatabaseConnector.ClearPools();
        try
        {
            await using (var connection = await DatabaseConnector.OpenAsync(server, cancellationToken).ConfigureAwait(false))
            {
                foreach (var abandoned in await DropAbandonedAsync(connection, cancellationToken).ConfigureAwait(false))
                {
                    reporter.Warning(DescribeDropped(abandoned));
                }

                // template0: nothing a site added to template1 may collide with the restored objects.
                await ExecuteAsync(connection, $"CREATE DATABASE {SqlIdentifier.Quote(name)} TEMPLATE template0 ENCODING 'UTF8'", cancellationToken).ConfigureAwait(false);
            }

            return new DrillDatabase(name, await DatabaseConnector.OpenAsync(server.WithDatabase(name), cancellationToken).ConfigureAwait(false));
        }
        catch (NpgsqlException e)
        {
            throw DatabaseConnector.Failure(e, $"Preparing the drill database '{name}' (the user needs the right to create databases)");
        }
    }

    /// <summary>Releases the claim; the database itself is the caller's to drop.</summary>
    public ValueTask DisposeAsync() => _claim.DisposeAsync();

    /// <summary>Drops the drill databases on <paramref name="connection"/>'s server that nobody is connected to; returns their names.</summary>
    public static async Task<IReadOnlyList<string>> DropAbandonedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var abandoned = await FindAbandonedAsync(connection, cancellationToken).ConfigureAwait(false);
        foreach (var name in abandoned)
        {
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {SqlIdentifier.Quote(name)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        }

        return abandoned;
    }

    /// <summary>The log line or warning for a dropped drill database.</summary>
    public static string DescribeDropped(string name) =>
        $"Dropped {name}, the scratch database of a restore drill whose run is gone (it was killed before it could drop it).";

    private static async Task<List<string>> FindAbandonedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT d.datname FROM pg_catalog.pg_database d
            WHERE d.datname LIKE 'scorecard\_drill\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid)
            ORDER BY 1
            """;
        var names = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
