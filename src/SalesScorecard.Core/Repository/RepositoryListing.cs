using SalesScorecard.Backup;

namespace SalesScorecard.Repository;

/// <summary>
/// The backups of a repository as one listing read them, newest first, handed from phase to phase of a night (catch-up,
/// clean-up, retention) so that a store is listed once.
/// </summary>
/// <param name="IsIntact">Whether a listed backup still holds every file its manifest names, as far as this repository can tell cheaply.</param>
/// <param name="Abandoned">
/// Backups whose files are there without a manifest, made long enough ago to be a copy that was cut off, with how many
/// files each left; a repository whose writer cleans up after itself has none.
/// </param>
internal sealed record RepositoryListing(IReadOnlyList<BackupInfo> Backups, Func<BackupInfo, bool> IsIntact, IReadOnlyDictionary<string, int> Abandoned)
{
    /// <summary>The newest successful backup (see <see cref="BackupCatalog.Newest"/>), or null.</summary>
    public BackupInfo? Newest(DateTime nowUtc) => BackupCatalog.Newest(Backups, nowUtc);

    /// <summary>The names of the backups that are complete here.</summary>
    public IReadOnlySet<string> Complete() => Backups.Where(b => b.Status == BackupStatus.Succeeded).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>One retention planner for every repository (<see cref="BackupCatalog.PlanRetention"/>).</summary>
    public RetentionPlan PlanRetention(int retentionDays, int keepLast, DateTime nowUtc, string? justMade) =>
        BackupCatalog.PlanRetention(Backups, retentionDays, keepLast, nowUtc, justMade, IsIntact);
}
