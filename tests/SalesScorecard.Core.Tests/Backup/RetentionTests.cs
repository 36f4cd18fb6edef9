using SalesScorecard.Backup;

namespace SalesScorecard.Tests.Backup;

public sealed class RetentionTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 23, 0, 0, DateTimeKind.Utc);

    private static BackupInfo Backup(double daysAgo, bool verified = true, string status = BackupStatus.Succeeded) =>
        DatedBackups.Made(Now, daysAgo, verified, status);

    private static RetentionPlan Plan(IEnumerable<BackupInfo> backups, int days, int keep, string? justMade = null, Func<BackupInfo, bool>? isIntact = null) =>
        BackupCatalog.PlanRetention(backups, days, keep, Now, justMade, isIntact ?? (_ => true));

    private static double[] DaysAgo(IEnumerable<BackupInfo> backups) =>
        backups.Select(b => Math.Round((Now - b.StartedAt!.Value).TotalDays, 3)).Order().ToArray();

    [Fact]
    public void BackupsOlderThanTheRetentionExpireOnceTheFloorIsKept()
    {
        var backups = Enumerable.Range(0, 10).Select(d => Backup(d)).ToList();

        var plan = Plan(backups, days: 3, keep: 2);

        Assert.Equal([4, 5, 6, 7, 8, 9], DaysAgo(plan.Expired));
        Assert.Empty(plan.Damaged);
        Assert.Empty(plan.FutureDated);
    }

    [Fact]
    public void APinnedBackupNeverExpiresHoweverOld()
    {
        var backups = Enumerable.Range(0, 10).Select(d => Backup(d)).ToList();
        backups[7].Pinned = true;

        var plan = Plan(backups, days: 3, keep: 2);

        Assert.Equal([4, 5, 6, 8, 9], DaysAgo(plan.Expired));
    }

    [Fact]
    public void TheFloorKeepsTheNewestGoodBackupsHoweverOld()
    {
        var backups = new[] { 40, 50, 60, 70 }.Select(d => Backup(d)).ToList();

        Assert.Equal([60, 70], DaysAgo(Plan(backups, days: 30, keep: 2).Expired));
    }

    [Fact]
    public void ABackupExactlyAtTheCutoffIsNotYetExpired()
    {
        Assert.Empty(Plan([Backup(0), Backup(30)], days: 30, keep: 1).Expired);
        Assert.Single(Plan([Backup(0), Backup(30.001)], days: 30, keep: 1).Expired);
    }

    [Fact]
    public void UnverifiedBackupsNeverStandInForTheFloor()
    {
        var backups = new[] { Backup(40, verified: false), Backup(41, verified: false), Backup(50), Backup(60) };

        var plan = Plan(backups, days: 30, keep: 1);

        Assert.Equal([40, 41, 60], DaysAgo(plan.Expired));
    }

    [Fact]
    public void ADamagedBackupIsReportedAndTheNextGoodOneTakesItsPlace()
    {
        var damaged = Backup(35);
        var backups = new[] { damaged, Backup(40), Backup(50) };

        var plan = Plan(backups, days: 30, keep: 1, isIntact: b => b != damaged);

        Assert.Same(damaged, Assert.Single(plan.Damaged));
        Assert.Equal([35, 50], DaysAgo(plan.Expired));
    }

    [Fact]
    public void IntegrityIsCheckedOnlyForTheBackupsTheFloorNeedsNewestFirst()
    {
        var backups = Enumerable.Range(0, 20).Select(d => Backup(d)).ToList();
        var asked = new List<BackupInfo>();

        Plan(backups, days: 3, keep: 3, isIntact: b => { asked.Add(b); return true; });

        Assert.Equal([0, 1, 2], asked.Select(b => (int)(Now - b.StartedAt!.Value).TotalDays));
    }

    [Fact]
    public void TheBackupJustMadeNeverExpiresAndCountsWithoutAnIntegrityCheck()
    {
        // The clock was set back after the run: what was just made looks 100 days old.
        var justMade = Backup(100);
        var backups = new[] { justMade, Backup(101), Backup(102) };

        var plan = Plan(backups, days: 30, keep: 1, justMade: justMade.Name, isIntact: _ => throw new InvalidOperationException("not needed"));

        Assert.Equal([101, 102], DaysAgo(plan.Expired));
    }

    [Fact]
    public void TheBackupJustMadeNeverExpiresEvenBeyondTheFloor()
    {
        var justMade = Backup(100);

        var plan = Plan([Backup(1), justMade, Backup(101)], days: 30, keep: 1, justMade: justMade.Name);

        Assert.Equal([101], DaysAgo(plan.Expired));
    }

    [Fact]
    public void FutureDatedBackupsNeitherExpireNorCountTowardTheFloor()
    {
        var future = Backup(-2);
        var finishesInFuture = new BackupInfo
        {
            Name = "backup-clock", Path = "/backups/backup-clock", Status = BackupStatus.Succeeded, StartedAt = Now.AddDays(-40),
            CompletedAt = Now.AddHours(1), Verified = true,
        };
        var backups = new[] { future, finishesInFuture, Backup(40), Backup(50) };

        var plan = Plan(backups, days: 30, keep: 1);

        Assert.Equal([future, finishesInFuture], plan.FutureDated);
        Assert.Equal([50], DaysAgo(plan.Expired));
    }

    [Fact]
    public void AFewMinutesAheadIsWithinTheClockTolerance()
    {
        var slightlyAhead = Backup(-3.0 / 24 / 60);

        var plan = Plan([slightlyAhead, Backup(40)], days: 30, keep: 1);

        Assert.Empty(plan.FutureDated);
        Assert.Equal([40], DaysAgo(plan.Expired));
    }

    [Fact]
    public void IncompleteAndUndatedFoldersAreNeverSelected()
    {
        var incomplete = Backup(90, status: BackupStatus.Incomplete);
        var undated = new BackupInfo { Name = "backup-unknown", Path = "/backups/backup-unknown", Status = BackupStatus.Succeeded, Verified = true };

        var plan = Plan([incomplete, undated, Backup(1)], days: 30, keep: 1);

        Assert.Empty(plan.Expired);
        Assert.Empty(plan.FutureDated);
    }

    [Fact]
    public void TheFloorIsAtLeastOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Plan([Backup(1)], days: 30, keep: 0));
    }
}
