using SalesScorecard.Backup;
using SalesScorecard.Offsite;
using SalesScorecard.Tests.Backup;

namespace SalesScorecard.Tests.Offsite;

/// <summary>Which local backups a night copies because an earlier night's copy was missed.</summary>
public sealed class OffsiteCatchUpTests
{
    private static readonly DateTime Now = new(2026, 12, 3, 2, 0, 0, DateTimeKind.Utc);

    private static BackupInfo Backup(double daysAgo, bool verified = true, string status = BackupStatus.Succeeded) =>
        DatedBackups.Made(Now, daysAgo, verified, status);

    private static OffsiteOptions Store(int days, int keep) =>
        new() { Location = OffsiteLocation.Parse("s3://scorecard/nightly", "BACKUP_S3_URL"), Region = "us-east-1", RetentionDays = days, KeepMin = keep };

    private static IReadOnlyList<BackupInfo> Missing(IEnumerable<BackupInfo> local, OffsiteOptions store, params BackupInfo[] onStore) =>
        OffsiteCatchUp.Missing(local, onStore.Select(b => b.Name).ToHashSet(), store, Now, justCopied: local.First().Name);

    [Fact]
    public void EveryVerifiedBackupInsideTheWindowWithoutACompleteCopyIsCopiedNewestFirst()
    {
        // As a folder listing may give them: not in date order.
        var local = new[] { 0, 3, 1, 4, 2 }.Select(d => Backup(d)).ToList();

        var missing = Missing(local, Store(days: 30, keep: 1), local[0], local[4]);

        Assert.Equal([Backup(1).Name, Backup(3).Name, Backup(4).Name], missing.Select(b => b.Name));
    }

    [Fact]
    public void APinnedBackupIsCaughtUpHoweverOld()
    {
        var local = new[] { 0, 5, 90 }.Select(d => Backup(d)).ToList();
        local[2].Pinned = true;

        Assert.Equal([local[1].Name, local[2].Name], Missing(local, Store(days: 7, keep: 1), local[0]).Select(b => b.Name));
    }

    [Fact]
    public void NothingTheStoresRetentionWouldRemoveIsCopied()
    {
        var local = new[] { 0, 5, 9, 40, 50 }.Select(d => Backup(d)).ToList();

        // Inside seven days, or among the newest four: the copy of the 40-day-old backup is kept by the floor.
        Assert.Equal([local[1].Name, local[2].Name, local[3].Name], Missing(local, Store(days: 7, keep: 4), local[0]).Select(b => b.Name));
    }

    [Fact]
    public void UnverifiedIncompleteAndFutureDatedBackupsAreNeverCopied()
    {
        var local = new[] { Backup(0), Backup(1, verified: false), Backup(2, status: BackupStatus.Incomplete), Backup(-1), Backup(3) };

        Assert.Equal([local[4].Name], Missing(local, Store(days: 30, keep: 1), local[0]).Select(b => b.Name));
    }

    [Fact]
    public void TheBackupJustCopiedIsNotCopiedAgainEvenBeforeTheStoreListsIt()
    {
        Assert.Empty(Missing([Backup(0)], Store(days: 30, keep: 1)));
    }
}
