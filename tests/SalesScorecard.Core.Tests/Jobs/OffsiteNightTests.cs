using SalesScorecard.Backup;
using SalesScorecard.Jobs;
using SalesScorecard.Offsite;
using SalesScorecard.Tests.Storage;

namespace SalesScorecard.Tests.Jobs;

/// <summary>
/// The nightly job's offsite phases (copy, catch-up, lag, retention on the store) driven through in-memory
/// repositories, with a failure injected in each: what is left on the store, and what the log and the host are told.
/// </summary>
public sealed class OffsiteNightTests : IDisposable
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private readonly TempFolder _folder = new();
    private readonly MemoryRepository _local = new("memory://local");
    private readonly MemoryRepository _store = new("memory://store");
    private readonly ScriptedHost _host = new();
    private readonly BackupSession _session;

    private readonly OffsiteOptions _options = new()
    {
        Location = new OffsiteLocation("bucket", "prefix"),
        Region = "us-east-1",
        RetentionDays = 7,
        KeepMin = 2,
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    public OffsiteNightTests() => _session = BackupSession.Open(_folder.Path);

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    private OffsiteNight Night() => new(_local, _store, _options, _session.Log, _host);

    private string Log() => File.ReadAllText(_session.Log.Path);

    [Fact]
    public async Task TheNightsCopyThatFailsAtTheManifestLeavesNothingOnTheStoreAndSaysSo()
    {
        var tonight = _local.Add(Now);
        _store.FailWhen = (operation, _) => operation == MemoryOperation.Commit ? new IOException("connection reset") : null;

        var failure = await Night().CopyAsync(tonight, _session, CancellationToken.None);

        Assert.Equal(ScorecardErrors.OffsiteCopyFailed.Id, failure?.ErrorId);
        Assert.Empty(_store.Backups);
        Assert.Empty(_store.InProgress);
        Assert.False(tonight.OffsiteVerified);
        Assert.Contains($"OFFSITE {tonight.Name} was not copied to memory://store/{tonight.Name}", Log(), StringComparison.Ordinal);
        Assert.Contains("FAILED  OffsiteCopyFailed: The local backup", Log(), StringComparison.Ordinal);
        Assert.Contains("Offsite lag unknown", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissedCopiesAreCaughtUpNewestFirstAndTheLagIsTonights()
    {
        var tonight = _local.Add(Now);
        var yesterday = _local.Add(Now.AddDays(-1));
        var twoDaysAgo = _local.Add(Now.AddDays(-2));
        var caughtUp = new List<string>();
        _store.FailWhen = (operation, about) =>
        {
            if (operation == MemoryOperation.Commit)
            {
                caughtUp.Add(about);
            }

            return null;
        };

        var failure = await Night().CopyAsync(tonight, _session, CancellationToken.None);

        Assert.Null(failure);
        Assert.Equal([tonight.Name, yesterday.Name, twoDaysAgo.Name], caughtUp);
        Assert.Equal(2, tonight.OffsiteCaughtUp);
        Assert.Equal(0.0, tonight.OffsiteLagHours!.Value, 1);
        Assert.Contains($"{yesterday.Name} caught up", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACatchUpThatFailsStopsWithAWarningAndLeavesNoHalfCopy()
    {
        var tonight = _local.Add(Now);
        var yesterday = _local.Add(Now.AddDays(-1));
        var twoDaysAgo = _local.Add(Now.AddDays(-2));
        _store.FailWhen = (operation, about) => operation == MemoryOperation.Write && about.StartsWith(twoDaysAgo.Name, StringComparison.Ordinal) ? new IOException("reset") : null;

        var failure = await Night().CopyAsync(tonight, _session, CancellationToken.None);

        Assert.Null(failure);
        Assert.Equal([tonight.Name, yesterday.Name], _store.Backups.Keys.Order(StringComparer.Ordinal).Reverse());
        Assert.Empty(_store.InProgress);
        Assert.Single(_host.Warnings, w => w.StartsWith("The offsite catch-up stopped after 1 copies, 1 left for the next run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADamagedLocalBackupIsNamedAndSkippedAndTheNextIsStillCaughtUp()
    {
        var tonight = _local.Add(Now);
        var damaged = _local.Add(Now.AddDays(-1));
        var older = _local.Add(Now.AddDays(-2));
        _local.Backups[damaged.Name]["scorecard.dump.zst"][0] ^= 0xff;

        await Night().CopyAsync(tonight, _session, CancellationToken.None);

        Assert.False(_store.Backups.ContainsKey(damaged.Name));
        Assert.True(_store.Backups.ContainsKey(older.Name));
        Assert.Single(_host.Warnings, w => w.Contains($"{damaged.Name} no longer matches its checksums", StringComparison.Ordinal));
        Assert.Equal(1, tonight.OffsiteCaughtUp);
    }

    [Fact]
    public async Task ACopyCutOffOnceAndCaughtUpBeforeTheCatchUpFailedIsNotRemovedAsAbandoned()
    {
        var tonight = _local.Add(Now);
        var cutOff = _local.Add(Now.AddDays(-2));
        var older = _local.Add(Now.AddDays(-3));
        // What a copy killed two nights ago left of it on the store: its archive, without a manifest.
        _store.Backups[cutOff.Name] = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["scorecard.dump.zst"] = [1, 2, 3] };
        _store.FailWhen = (operation, about) => operation == MemoryOperation.Write && about.StartsWith(older.Name, StringComparison.Ordinal) ? new IOException("reset") : null;
        var night = Night();

        await night.CopyAsync(tonight, _session, CancellationToken.None);
        await night.ApplyRetentionAsync(tonight, CancellationToken.None);

        Assert.True(_store.Backups[cutOff.Name].ContainsKey(BackupManifest.FileName));
        Assert.DoesNotContain("CLEANUP", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALocalBackupWhoseArchiveCannotBeReadIsSkippedAndTheCatchUpGoesOn()
    {
        var tonight = _local.Add(Now);
        var unreadable = _local.Add(Now.AddDays(-1));
        var older = _local.Add(Now.AddDays(-2));
        _local.FailWhen = (operation, about) => operation == MemoryOperation.Read && about == $"{unreadable.Name}/scorecard.dump.zst"
            ? new ScorecardException(ScorecardErrors.ArchiveUnreadable, "input/output error", about)
            : null;

        await Night().CopyAsync(tonight, _session, CancellationToken.None);

        Assert.False(_store.Backups.ContainsKey(unreadable.Name));
        Assert.True(_store.Backups.ContainsKey(older.Name));
        Assert.Equal(1, tonight.OffsiteCaughtUp);
    }

    [Fact]
    public async Task RetentionUsesTheCatchUpsListingWhenNothingWasCaughtUp()
    {
        var tonight = _local.Add(Now);
        var old = _store.Add(Now.AddDays(-30));
        _store.Add(Now.AddDays(-29));
        _store.Add(Now.AddDays(-28));
        var night = Night();

        await night.CopyAsync(tonight, _session, CancellationToken.None);
        await night.ApplyRetentionAsync(tonight, CancellationToken.None);

        Assert.Equal(1, _store.Listings);
        // Tonight's copy and the newest old one make the floor of two; the older two expire.
        Assert.Equal(2, _store.Backups.Count);
        Assert.False(_store.Backups.ContainsKey(old.Name));
        Assert.Contains($"RETAIN  Removed the offsite copy memory://store/{old.Name}", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetentionListsTheStoreAgainAfterTheCatchUpCopied()
    {
        var tonight = _local.Add(Now);
        _local.Add(Now.AddDays(-1));
        var night = Night();

        await night.CopyAsync(tonight, _session, CancellationToken.None);
        await night.ApplyRetentionAsync(tonight, CancellationToken.None);

        Assert.Equal(2, _store.Listings);
        Assert.Equal(2, _store.Backups.Count);
    }

    [Fact]
    public async Task ARemovalTheStoreRefusesIsAWarningAndTheOthersStillGo()
    {
        var tonight = _local.Add(Now);
        var refused = _store.Add(Now.AddDays(-30));
        var removed = _store.Add(Now.AddDays(-29));
        _store.Add(Now.AddDays(-2));
        _store.FailWhen = (operation, about) => operation == MemoryOperation.Remove && about == refused.Name
            ? new ScorecardException(ScorecardErrors.OffsiteAccessDenied, "denied", about)
            : null;
        var night = Night();

        await night.CopyAsync(tonight, _session, CancellationToken.None);
        await night.ApplyRetentionAsync(tonight, CancellationToken.None);

        Assert.True(_store.Backups.ContainsKey(refused.Name));
        Assert.False(_store.Backups.ContainsKey(removed.Name));
        Assert.Single(_host.Warnings, w => w.StartsWith($"Retention could not remove the offsite copy {refused.Name}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStoreThatCannotBeListedDelaysRetentionWithAWarning()
    {
        var tonight = _local.Add(Now);
        _store.Add(Now.AddDays(-30));
        _store.FailWhen = (operation, _) => operation == MemoryOperation.List ? new ScorecardException(ScorecardErrors.OffsiteNotReachable, "no answer", "store") : null;
        var night = Night();

        await night.CopyAsync(tonight, _session, CancellationToken.None);
        await night.ApplyRetentionAsync(tonight, CancellationToken.None);

        Assert.Equal(2, _store.Backups.Count);
        Assert.Contains("RETAIN  Retention on the store did not run: OffsiteNotReachable", Log(), StringComparison.Ordinal);
    }
}
