using SalesScorecard.Backup;
using SalesScorecard.History;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>
/// Lock-ScorecardBackup's and Unlock-ScorecardBackup's work: pin a backup, or release its pin, where it is kept (its
/// folder, or its prefix on the store), with a PIN line in the backup.log beside it.
/// </summary>
internal static class BackupPinning
{
    /// <param name="path">The backup's folder or s3:// address (a piped backup), or null to find <paramref name="name"/> in the primary repository, or on the store when <paramref name="offsite"/>.</param>
    /// <param name="reason">Why it is pinned; null to release the pin.</param>
    public static async Task<BackupInfo> SetAsync(
        ScorecardSettings settings, string currentDirectory, bool offsite, string? path, string name, string? reason, CancellationToken cancellationToken)
    {
        var (repository, logFolder) = Open(settings, currentDirectory, offsite, path);
        using (repository)
        {
            var backup = (await repository.ListAsync(cancellationToken).ConfigureAwait(false)).Backups
                .FirstOrDefault(b => b.Name == name && b.Status == BackupStatus.Succeeded)
                ?? throw new ScorecardException(ScorecardErrors.BackupNotFound, $"No complete backup named '{name}' is in {repository.Address}.", name);
            if (reason is null && !backup.Pinned)
            {
                return backup; // Nothing to release, and nothing to log.
            }

            if (reason is null)
            {
                // The copy's pin first: a release that fails half way leaves the backup pinned here, and the night carries it back.
                if (repository.OnLocalDisk)
                {
                    await ReleaseCopyAsync(settings, currentDirectory, repository.Address, name, logFolder, cancellationToken).ConfigureAwait(false);
                }

                await repository.UnpinAsync(name, cancellationToken).ConfigureAwait(false);
                new BackupLog(logFolder).TryWrite("PIN", $"Released the pin of {repository.AddressOf(name)} (was: {backup.PinReason}); retention may remove it again.");
            }
            else
            {
                // A hold on a backup already pinned (after an anomaly) keeps the earlier reason: releasing the hold later releases both, knowingly.
                reason = backup.Pinned ? $"{reason} (pinned before: {backup.PinReason})" : reason;
                await repository.PinAsync(name, new BackupPin(reason, DateTime.UtcNow), cancellationToken).ConfigureAwait(false);
                new BackupLog(logFolder).TryWrite("PIN", $"Pinned {repository.AddressOf(name)} by hand: {reason}");
            }

            backup.Pinned = reason is not null;
            backup.PinReason = reason;
            return backup;
        }
    }

    /// <summary>
    /// The pin the nightly job carried to the store with the backup's copy goes with the backup's own: else the copy
    /// would stay pinned (and billed) for ever, or the pin come back from the store's side. Only the backups of the
    /// primary folder have their copies on the copy target: another folder's backup of the same name is not that copy's.
    /// A store without the copy is no failure.
    /// </summary>
    private static async Task ReleaseCopyAsync(ScorecardSettings settings, string currentDirectory, string folder, string name, string logFolder, CancellationToken cancellationToken)
    {
        using var repositories = BackupRepositories.Open(settings, currentDirectory);
        if (repositories.CopyTarget is not { } store || !string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(repositories.Primary.Address)),
                Path.TrimEndingDirectorySeparator(folder), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            return;
        }

        await store.UnpinAsync(name, cancellationToken).ConfigureAwait(false);
        new BackupLog(logFolder).TryWrite("PIN", $"Released the pin of the offsite copy {store.AddressOf(name)}, if it had one.");
    }

    /// <summary>The repository that holds the backup, and the folder whose backup.log hears of the change.</summary>
    private static (IBackupRepository Repository, string LogFolder) Open(ScorecardSettings settings, string currentDirectory, bool offsite, string? path)
    {
        if (path is not null && OffsiteLocation.IsOffsite(path))
        {
            var location = OffsiteLocation.ParseBackup(path, "InputObject").Location;
            return (BackupRepositories.OpenStore(settings, location), location.StateFolder(Environment.GetEnvironmentVariable));
        }

        if (path is not null)
        {
            var folder = StoredBackup.SplitFolder(path).Parent;
            return (new LocalFolderRepository(folder), folder);
        }

        var direct = OffsiteOptions.BackupDirStore(settings);
        var logFolder = offsite && direct is null
            ? OffsiteOptions.FromSettings(settings)?.Location.StateFolder(Environment.GetEnvironmentVariable) ?? throw OffsiteOptions.NotConfigured()
            : OffsiteOptions.LocalFolder(settings, direct, currentDirectory);
        var repository = offsite ? BackupRepositories.OpenStore(settings) : BackupRepositories.OpenPrimary(settings, currentDirectory);
        if (repository.OnLocalDisk)
        {
            BackupCatalog.RequireFolder(repository.Address);
        }

        return (repository, logFolder);
    }
}
