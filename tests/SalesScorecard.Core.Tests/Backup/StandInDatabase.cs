using SalesScorecard.Backup;

namespace SalesScorecard.Tests.Backup;

/// <summary>The database side of a run for the engine's tests: a fixed server and snapshot, a few tables, and the failure a test names.</summary>
internal sealed class StandInDatabase(Version? serverVersion = null) : IBackupDatabase
{
    public static readonly IReadOnlyList<KeyValuePair<string, long>> Tables = [new("public.users", 3), new("public.evaluations", 12)];

    /// <summary>Fails the counting of the rows, as a server that dropped the connection would.</summary>
    public Exception? CountingFails { get; init; }

    public bool Disposed { get; private set; }

    public string Database => "scorecard";

    public Version PostgreSqlVersion => serverVersion ?? new Version(15, 14);

    public string ServerVersion => $"{PostgreSqlVersion.Major}.{PostgreSqlVersion.Minor}";

    public Task DropAbandonedDrillsAsync(BackupLog log, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long> SizeAsync(CancellationToken cancellationToken) => Task.FromResult(1L << 20);

    public Task<string> ExportSnapshotAsync(CancellationToken cancellationToken) => Task.FromResult("00000003-0000001B-1");

    public Task<IReadOnlyList<KeyValuePair<string, long>>> CountTablesAsync(CancellationToken cancellationToken) =>
        CountingFails is { } failure ? Task.FromException<IReadOnlyList<KeyValuePair<string, long>>>(failure) : Task.FromResult(Tables);

    public Task ReleaseSnapshotAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
