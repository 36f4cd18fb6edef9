using SalesScorecard.Backup;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>
/// The backups Get-ScorecardBackup lists, newest first, from the repository the settings name: the primary one, or the
/// store under -Offsite. The cmdlet never decides which store it is talking to.
/// </summary>
/// <param name="Where">The folder or the store's address, for messages.</param>
internal sealed record BackupListing(IReadOnlyList<BackupInfo> Backups, string Where, bool OnStore)
{
    public static async Task<BackupListing> ReadAsync(ScorecardSettings settings, string currentDirectory, bool offsite, CancellationToken cancellationToken)
    {
        using var repository = offsite ? BackupRepositories.OpenStore(settings) : BackupRepositories.OpenPrimary(settings, currentDirectory);
        if (repository.OnLocalDisk)
        {
            BackupCatalog.RequireFolder(repository.Address);
        }

        var listing = await repository.ListAsync(cancellationToken).ConfigureAwait(false);
        return new BackupListing(listing.Backups, repository.Address, OnStore: !repository.OnLocalDisk);
    }

    /// <summary>The newest successful backup (see <see cref="BackupCatalog.Newest"/>), or null.</summary>
    public BackupInfo? Latest => BackupCatalog.Newest(Backups, DateTime.UtcNow);

    /// <summary>What there is to say when <see cref="Latest"/> is null.</summary>
    public ScorecardException NoBackup() =>
        OnStore
            ? OffsiteBackups.NoBackup(Where)
            : BackupCatalog.NoBackup(Where);
}
