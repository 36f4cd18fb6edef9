using SalesScorecard.Backup;
using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>
/// The backups Get-ScorecardBackup lists, newest first, from wherever the settings put them: the local folder, or the
/// store (-Offsite, or BACKUP_DIR=s3://...). The cmdlet never decides which store it is talking to.
/// </summary>
/// <param name="Where">The folder or the store's address, for messages.</param>
internal sealed record BackupListing(IReadOnlyList<BackupInfo> Backups, string Where, bool OnStore)
{
    public static async Task<BackupListing> ReadAsync(ScorecardSettings settings, string currentDirectory, bool offsite, CancellationToken cancellationToken)
    {
        if (offsite || OffsiteLocation.IsOffsite(settings.Get(SettingNames.BackupDir)))
        {
            var options = OffsiteOptions.FromSettings(settings, OffsiteOptions.BackupDirStore(settings)) ?? throw OffsiteOptions.NotConfigured();
            using var store = OffsiteStore.Open(options);
            var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            return new BackupListing(stored.Select(b => b.Info).ToList(), store.Location.Url(), OnStore: true);
        }

        var destination = settings.GetPath(SettingNames.BackupDir, currentDirectory)!;
        BackupCatalog.RequireFolder(destination);
        return new BackupListing(BackupCatalog.List(destination), destination, OnStore: false);
    }

    /// <summary>The newest successful backup (see <see cref="BackupCatalog.Newest"/>), or null.</summary>
    public BackupInfo? Latest => BackupCatalog.Newest(Backups, DateTime.UtcNow);

    /// <summary>What there is to say when <see cref="Latest"/> is null.</summary>
    public ScorecardException NoBackup() =>
        OnStore
            ? OffsiteBackups.NoBackup(Where)
            : BackupCatalog.NoBackup(Where);
}
