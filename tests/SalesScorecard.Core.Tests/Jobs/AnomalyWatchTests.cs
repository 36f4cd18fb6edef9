using SalesScorecard.History;
using SalesScorecard.Jobs;
using SalesScorecard.Tests.Storage;

namespace SalesScorecard.Tests.Jobs;

/// <summary>The nightly job's anomaly phase through an in-memory repository: the pin, and what happens when the repository fails.</summary>
public sealed class AnomalyWatchTests : IDisposable
{
    private static readonly DateTime Now = DateTime.UtcNow;
    private static readonly AnomalyRules Defaults = new(20, 3, Fails: false);

    private readonly TempFolder _folder = new();
    private readonly MemoryRepository _repository = new("memory://local");
    private readonly ScriptedHost _host = new();

    public void Dispose() => _folder.Dispose();

    private AnomalyWatch Watch() => new(_repository, new global::SalesScorecard.Backup.BackupLog(_folder.Path), _host);

    /// <summary>Two nights of the same database, tonight's with <paramref name="tonightsRows"/> users.</summary>
    private (BackupInfo Previous, BackupInfo Tonight) TwoNights(long tonightsRows)
    {
        var previous = _repository.Add(Now.AddDays(-1));
        var tonight = _repository.Add(Now);
        foreach (var backup in new[] { previous, tonight })
        {
            backup.Tables.Add("public.users", backup == tonight ? tonightsRows : 100L);
        }

        // The listing reads the manifests: give them the same tables.
        _repository.SetTables(previous.Name, 100);
        _repository.SetTables(tonight.Name, tonightsRows);
        return (previous, tonight);
    }

    [Fact]
    public async Task AnAnomalyPinsTheLastGoodBackup()
    {
        var (previous, tonight) = TwoNights(tonightsRows: 10);

        var outcome = await Watch().CheckAsync(tonight, Defaults, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.False(outcome.HoldRetention);
        Assert.Equal(AnomalyKind.RowsDropped, Assert.Single(tonight.Anomalies!).Kind);
        Assert.True((await _repository.ListAsync(CancellationToken.None)).Backups.Single(b => b.Name == previous.Name).Pinned);
    }

    [Fact]
    public async Task APinThatCannotBeWrittenHoldsRetentionAndFailsTheNight()
    {
        var (_, tonight) = TwoNights(tonightsRows: 10);
        _repository.FailWhen = (operation, _) => operation == MemoryOperation.Pin ? new ScorecardException(ScorecardErrors.BackupPinFailed, "read-only file system", "x") : null;

        var outcome = await Watch().CheckAsync(tonight, Defaults, CancellationToken.None);

        Assert.True(outcome.HoldRetention);
        Assert.Equal(ScorecardErrors.BackupPinFailed.Id, outcome.Failure?.ErrorId);
        Assert.Contains("retention did not run tonight", outcome.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARepositoryThatCannotBeListedSkipsTheCheckWithAWarningAndHoldsRetention()
    {
        var (_, tonight) = TwoNights(tonightsRows: 10);
        _repository.FailWhen = (operation, _) => operation == MemoryOperation.List ? new ScorecardException(ScorecardErrors.OffsiteNotReachable, "no answer", "store") : null;

        var outcome = await Watch().CheckAsync(tonight, Defaults, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.True(outcome.HoldRetention, "nothing compared and nothing pinned: nothing may expire");
        Assert.Null(tonight.Anomalies);
        Assert.Single(_host.Warnings, w => w.StartsWith("The anomaly check was skipped", StringComparison.Ordinal));
    }
}
