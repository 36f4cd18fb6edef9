using SalesScorecard.Backup;
using SalesScorecard.History;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>
/// Get-ScorecardBackupHistory's work: the primary repository's backups and, when a store is set, which have a complete
/// copy there (a store that does not answer within its budget leaves that unknown, with a warning), filtered.
/// </summary>
internal sealed class HistoryListing(ScorecardSettings settings, string currentDirectory, IOperationReporter reporter)
{
    /// <param name="database">Whether a database's backups are wanted (the cmdlet's wildcard); null for all.</param>
    public async Task<IReadOnlyList<BackupHistoryEntry>> ReadAsync(DateTime? sinceUtc, int? last, Func<string, bool>? database, bool skipStore, CancellationToken cancellationToken)
    {
        var rules = AnomalyRules.FromSettings(settings);
        using var repositories = BackupRepositories.Open(settings, currentDirectory);
        if (repositories.Primary.OnLocalDisk)
        {
            BackupCatalog.RequireFolder(repositories.Primary.Address);
        }

        var primary = await repositories.Primary.ListAsync(cancellationToken).ConfigureAwait(false);
        var onStore = skipStore || repositories.CopyTarget is not { } store ? null : await TryListAsync(store, cancellationToken).ConfigureAwait(false);
        var entries = BackupHistory.Build(primary.Backups, onStore, rules, DateTime.UtcNow)
            .Where(e => sinceUtc is null || e.StartedAt >= sinceUtc)
            .Where(e => database is null || (e.Database is { } name && database(name)));
        return (last is { } count ? entries.Take(count) : entries).ToList();
    }

    private async Task<IReadOnlyList<BackupInfo>?> TryListAsync(StoreRepository store, CancellationToken cancellationToken)
    {
        try
        {
            return (await store.ListWithinBudgetAsync(cancellationToken).ConfigureAwait(false)).Backups;
        }
        catch (Exception e) when (e is ScorecardException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            reporter.Warning($"The store {store.Address} could not be listed, so OffsiteCopy is unknown: {e.Message}");
            return null;
        }
    }
}
