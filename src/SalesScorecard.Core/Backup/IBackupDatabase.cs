namespace SalesScorecard.Backup;

/// <summary>
/// The database side of a backup run, as a seam its phases are tested through: the server it dumps, and the one
/// snapshot pg_dump imports and the rows are counted in. Disposing it ends the snapshot and the connection.
/// </summary>
internal interface IBackupDatabase : IAsyncDisposable
{
    /// <summary>The name of the database connected to.</summary>
    string Database { get; }

    Version PostgreSqlVersion { get; }

    string ServerVersion { get; }

    /// <summary>Drops the scratch databases of restore drills that were killed outright, with a CLEANUP line each; never fails the run.</summary>
    Task DropAbandonedDrillsAsync(BackupLog log, CancellationToken cancellationToken);

    /// <summary>The database's size on the server, in bytes.</summary>
    Task<long> SizeAsync(CancellationToken cancellationToken);

    /// <summary>Begins a read-only repeatable-read transaction and exports its snapshot for pg_dump; returns the snapshot's id.</summary>
    Task<string> ExportSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Every table's rows, counted in the exported snapshot.</summary>
    Task<IReadOnlyList<KeyValuePair<string, long>>> CountTablesAsync(CancellationToken cancellationToken);

    /// <summary>Ends the snapshot once pg_dump no longer needs it.</summary>
    Task ReleaseSnapshotAsync(CancellationToken cancellationToken);
}
