using SalesScorecard.History;

namespace SalesScorecard.Tests.Backup;

/// <summary>The anomaly guard's rules, with the defaults an admin of the Sales Scorecard gets: 20 % of a table, at least 3 rows.</summary>
public sealed class AnomalyGuardTests
{
    private static readonly DateTime Now = new(2026, 12, 3, 2, 0, 0, DateTimeKind.Utc);
    private static readonly AnomalyRules Defaults = new(DropPercent: 20, MinRowsLost: 3, Fails: false);

    private static BackupInfo Backup(double daysAgo, long size = 1000, string database = "scorecard", bool verified = true, params (string Table, long Rows)[] tables)
    {
        var made = DatedBackups.Made(Now, daysAgo, verified);
        return new BackupInfo
        {
            Name = made.Name,
            Path = made.Path,
            Status = made.Status,
            StartedAt = made.StartedAt,
            CompletedAt = made.CompletedAt,
            Verified = verified,
            Database = database,
            Host = "db:5432",
            SizeBytes = size,
            Compression = "zstd:1",
            Tables = TableCounts.From(tables.Select(t => KeyValuePair.Create(t.Table, t.Rows))),
        };
    }

    [Fact]
    public void AFifthOfATableGoneOvernightIsAnAnomalyInWords()
    {
        var before = Backup(1, tables: [("public.evaluations", 62), ("public.users", 156)]);
        var after = Backup(0, tables: [("public.evaluations", 4), ("public.users", 156)]);

        var anomaly = Assert.Single(AnomalyGuard.Compare(before, after, Defaults));

        Assert.Equal(AnomalyKind.RowsDropped, anomaly.Kind);
        Assert.Equal("public.evaluations: 62 -> 4 rows since 2026-12-02", anomaly.ToString());
    }

    [Theory]
    [InlineData(3, 2)]      // one row of a small table: an everyday edit, under the floor
    [InlineData(100, 81)]   // 19 %: under the share
    [InlineData(10, 8)]     // 20 % but two rows: under the floor
    [InlineData(100, 120)]  // growth
    public void EverydayChangesAreNoAnomaly(long before, long after)
    {
        Assert.Empty(AnomalyGuard.Compare(Backup(1, tables: [("public.users", before)]), Backup(0, tables: [("public.users", after)]), Defaults));
    }

    [Theory]
    [InlineData(100, 79)]
    [InlineData(10, 7)]
    public void JustPastTheShareAndTheFloorIsAnAnomaly(long before, long after)
    {
        Assert.Single(AnomalyGuard.Compare(Backup(1, tables: [("public.users", before)]), Backup(0, tables: [("public.users", after)]), Defaults));
    }

    [Fact]
    public void ATableEmptiedFromTheFloorOrGoneIsAnAnomalyAndASingleRowEmptiedIsNot()
    {
        var before = Backup(1, tables: [("public.companies", 3), ("public.sessions", 1), ("public.queue", 1)]);
        var after = Backup(0, tables: [("public.companies", 0), ("public.queue", 0)]);

        var anomalies = AnomalyGuard.Compare(before, after, Defaults);

        Assert.Equal([AnomalyKind.TableEmptied, AnomalyKind.TableVanished], anomalies.Select(a => a.Kind));
        Assert.Equal("public.sessions: gone (had 1 rows) since 2026-12-02", anomalies[1].ToString());
    }

    [Fact]
    public void AnArchiveUnderHalfThePreviousSizeIsAnAnomalyOnlyWhenCompressedAlike()
    {
        var before = Backup(1, size: 10_000, tables: [("public.users", 5)]);
        var after = Backup(0, size: 4_000, tables: [("public.users", 5)]);

        Assert.Equal(AnomalyKind.SizeDropped, Assert.Single(AnomalyGuard.Compare(before, after, Defaults)).Kind);

        var recompressed = new BackupInfo { Name = after.Name, Path = after.Path, Status = after.Status, StartedAt = after.StartedAt, Database = after.Database, SizeBytes = 4_000, Compression = "zstd:19", Tables = after.Tables };
        Assert.Empty(AnomalyGuard.Compare(before, recompressed, Defaults));
    }

    [Fact]
    public void ThePreviousBackupIsTheNewestVerifiedOneOfTheSameDatabase()
    {
        var tonight = Backup(0);
        var unverified = Backup(0.5, verified: false);
        var otherDatabase = Backup(0.7, database: "other");
        var previous = Backup(1);
        var older = Backup(2);

        var otherServer = Backup(0.8);
        otherServer = new BackupInfo { Name = otherServer.Name, Path = otherServer.Path, Status = otherServer.Status, StartedAt = otherServer.StartedAt, Verified = true, Database = "scorecard", Host = "staging:5432" };

        Assert.Equal(previous.Name, AnomalyGuard.Previous([tonight, unverified, otherDatabase, otherServer, older, previous], tonight, Now)?.Name);
        Assert.Null(AnomalyGuard.Previous([tonight], tonight, Now));
    }
}
