using System.Data;
using Npgsql;
using SalesScorecard.Database;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>The database a backup dumps, on a PostgreSQL server through Npgsql.</summary>
internal sealed class PostgresBackupDatabase : IBackupDatabase
{
    private readonly NpgsqlConnection _connection;
    private NpgsqlTransaction? _snapshot;

    private PostgresBackupDatabase(NpgsqlConnection connection) => _connection = connection;

    public static async Task<IBackupDatabase> OpenAsync(DatabaseUrl url, CancellationToken cancellationToken) =>
        new PostgresBackupDatabase(await DatabaseConnector.OpenAsync(url, cancellationToken).ConfigureAwait(false));

    public string Database => _connection.Database;

    public Version PostgreSqlVersion => _connection.PostgreSqlVersion;

    public string ServerVersion => _connection.ServerVersion;

    public Task DropAbandonedDrillsAsync(BackupLog log, CancellationToken cancellationToken) =>
        BackupLeftovers.DropAbandonedDrillsAsync(_connection, log, cancellationToken);

    public Task<long> SizeAsync(CancellationToken cancellationToken) => ScalarAsync<long>(null, "SELECT pg_database_size(current_database())", cancellationToken);

    public async Task<string> ExportSnapshotAsync(CancellationToken cancellationToken)
    {
        _snapshot = await _connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await ScalarAsync<object>(_snapshot, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
        return await ScalarAsync<string>(_snapshot, "SELECT pg_export_snapshot()", cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<KeyValuePair<string, long>>> CountTablesAsync(CancellationToken cancellationToken) => TableCounter.CountAsync(_connection, cancellationToken);

    public Task ReleaseSnapshotAsync(CancellationToken cancellationToken) => _snapshot!.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_snapshot is not null)
        {
            await _snapshot.DisposeAsync().ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<T> ScalarAsync<T>(NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection, transaction);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
