using System.Text;
using SalesScorecard.Backup;
using SalesScorecard.Repository;

namespace SalesScorecard.Tests.Storage;

/// <summary>
/// A repository in memory for the engine's tests, in the manner of PSReadLine's MockConsole: it keeps each committed
/// backup as its files' bytes, counts what it is asked, and fails the operation a test names (<see cref="FailWhen"/>).
/// </summary>
internal sealed class MemoryRepository(string address = "memory://store") : IBackupRepository
{
    /// <summary>
    /// Backups by name, then file (manifest.json among them), then bytes; one without a manifest is what a cut-off
    /// copy left: not listed, and among the listing's abandoned ones.
    /// </summary>
    public Dictionary<string, Dictionary<string, byte[]>> Backups { get; } = new(StringComparer.Ordinal);

    /// <summary>Given an operation and what it is about (a backup name, or name/file), the exception to throw, or null.</summary>
    public Func<MemoryOperation, string, Exception?> FailWhen { get; set; } = (_, _) => null;

    public int Listings { get; private set; }

    /// <summary>Writers disposed without a commit.</summary>
    public int Aborted { get; internal set; }

    /// <summary>Files a writer holds that are not committed yet, by backup name: a test sees them left behind or not.</summary>
    public Dictionary<string, Dictionary<string, byte[]>> InProgress { get; } = new(StringComparer.Ordinal);

    public string Address => address;

    public bool OnLocalDisk => false;

    public string AddressOf(string backupName) => $"{address}/{backupName}";

    public TimeSpan CopyBudget(long bytes) => TimeSpan.FromSeconds(30);

    internal void Check(MemoryOperation operation, string about)
    {
        if (FailWhen(operation, about) is { } failure)
        {
            throw failure;
        }
    }

    public Task<RepositoryListing> ListAsync(CancellationToken cancellationToken)
    {
        Listings++;
        Check(MemoryOperation.List, address);
        var backups = Backups.Keys.Where(name => Manifest(name) is not null).Select(Listed).OrderByDescending(b => b.StartedAt).ToList();
        var abandoned = Backups.Where(b => !b.Value.ContainsKey(BackupManifest.FileName)).ToDictionary(b => b.Key, b => b.Value.Count, StringComparer.Ordinal);
        return Task.FromResult(new RepositoryListing(backups, backup => Backups.ContainsKey(backup.Name), abandoned));
    }

    public Task<(BackupManifest? Manifest, string? Problem)> TryReadManifestAsync(string backupName, CancellationToken cancellationToken)
    {
        Check(MemoryOperation.Read, $"{backupName}/{BackupManifest.FileName}");
        return Task.FromResult(Manifest(backupName) is { } manifest ? (manifest, (string?)null) : (null, $"{backupName} has no manifest"));
    }

    public Task<Stream> OpenReadAsync(string backupName, string relative, CancellationToken cancellationToken)
    {
        Check(MemoryOperation.Read, $"{backupName}/{relative}");
        return Task.FromResult<Stream>(new MemoryStream(Backups[backupName][relative], writable: false));
    }

    public string? LocalPath(string backupName, string relative) => null;

    public Task<IReadOnlyList<string>> FindChecksumMismatchesAsync(string backupName, BackupManifest manifest, bool archiveReadAfter, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(manifest.Files
            .Where(f => !Backups[backupName].TryGetValue(f.Key, out var bytes) || ManifestFile.Of(bytes) != f.Value)
            .Select(f => $"{f.Key}: differs").ToList());

    public IBackupWriter BeginBackup(string backupName, CancellationToken cancellationToken) => new MemoryBackupWriter(this, backupName);

    public Task RemoveAsync(string backupName, CancellationToken cancellationToken)
    {
        Check(MemoryOperation.Remove, backupName);
        Backups.Remove(backupName);
        return Task.CompletedTask;
    }

    public Task PinAsync(string backupName, History.BackupPin pin, CancellationToken cancellationToken)
    {
        Check(MemoryOperation.Pin, backupName);
        Backups[backupName][History.BackupPin.FileName] = pin.Serialize();
        return Task.CompletedTask;
    }

    public Task RecordDrillAsync(string backupName, History.DrillRecord drill, CancellationToken cancellationToken)
    {
        Backups[backupName][History.DrillRecord.FileName] = drill.Serialize();
        return Task.CompletedTask;
    }

    public Task UnpinAsync(string backupName, CancellationToken cancellationToken)
    {
        Backups[backupName].Remove(History.BackupPin.FileName);
        return Task.CompletedTask;
    }

    public ScorecardException Translate(Exception e, string doing) =>
        e as ScorecardException ?? new ScorecardException(ScorecardErrors.OffsiteRequestFailed, $"Could not {doing} on {address}: {e.Message}", address, e);

    public BackupInfo ToBackupInfo(BackupManifest manifest)
    {
        var info = manifest.ToBackupInfo(AddressOf(manifest.Name));
        info.Offsite = AddressOf(manifest.Name);
        info.OffsiteVerified = true;
        return info;
    }

    /// <summary>Puts a whole backup here, as a run would have committed it: an archive, summary.txt and the manifest naming both.</summary>
    public BackupInfo Add(DateTime startedAt, string? name = null)
    {
        var archive = Encoding.UTF8.GetBytes($"archive of {startedAt:O}");
        var summary = Encoding.UTF8.GetBytes("summary");
        var manifest = new BackupManifest
        {
            Name = name ?? BackupCatalog.FolderPrefix + startedAt.ToString(BackupCatalog.NameFormat, System.Globalization.CultureInfo.InvariantCulture),
            Status = BackupStatus.Succeeded,
            StartedAt = startedAt,
            CompletedAt = startedAt.AddMinutes(1),
            Database = "scorecard",
            Host = "localhost",
            ServerVersion = "15",
            PgDumpVersion = "15",
            ModuleVersion = "0.1.0",
            Format = "custom",
            DumpFile = "scorecard.dump.zst",
            SizeBytes = archive.Length,
            Verified = true,
            Files = new(StringComparer.Ordinal) { ["scorecard.dump.zst"] = ManifestFile.Of(archive), [BackupManifest.SummaryFileName] = ManifestFile.Of(summary) },
        };
        Backups[manifest.Name] = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["scorecard.dump.zst"] = archive,
            [BackupManifest.SummaryFileName] = summary,
            [BackupManifest.FileName] = Encoding.UTF8.GetBytes(manifest.Serialize()),
        };
        return ToBackupInfo(manifest);
    }

    /// <summary>Rewrites a backup's manifest with one table, public.users, of <paramref name="users"/> rows.</summary>
    public void SetTables(string backupName, long users)
    {
        var manifest = Manifest(backupName)!;
        manifest.Tables = new Dictionary<string, long>(StringComparer.Ordinal) { ["public.users"] = users };
        manifest.TotalRows = users;
        Backups[backupName][BackupManifest.FileName] = Encoding.UTF8.GetBytes(manifest.Serialize());
    }

    private BackupInfo Listed(string backupName)
    {
        var info = ToBackupInfo(Manifest(backupName)!);
        if (Backups[backupName].TryGetValue(History.BackupPin.FileName, out var pin))
        {
            info.Pinned = true;
            info.PinReason = History.BackupPin.Parse(pin).Reason;
        }

        return info;
    }

    private BackupManifest? Manifest(string backupName) =>
        Backups.TryGetValue(backupName, out var files) && files.TryGetValue(BackupManifest.FileName, out var json)
            ? BackupManifest.Deserialize(Encoding.UTF8.GetString(json))
            : null;

    public void Dispose()
    {
    }
}
