using SalesScorecard.Backup;
using SalesScorecard.Repository;
using SalesScorecard.Tests.Jobs;

namespace SalesScorecard.Tests.Storage;

/// <summary>The repository-to-repository copy, with a failure injected at each step: nothing of a copy that failed counts, or stays.</summary>
public sealed class RepositoryCopyTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private readonly MemoryRepository _source = new("memory://local");
    private readonly MemoryRepository _target = new("memory://store");

    [Fact]
    public async Task CopiesEveryFileAndPutsTheManifestLast()
    {
        var backup = _source.Add(Now);
        var order = new List<string>();
        _target.FailWhen = (operation, about) =>
        {
            order.Add($"{operation} {about}");
            return null;
        };

        var copy = await RepositoryCopy.CopyAsync(_source, backup.Name, _target, null, new ScriptedHost(), CancellationToken.None);

        Assert.Equal(3, copy.Objects);
        Assert.Equal(_source.Backups[backup.Name], _target.Backups[backup.Name]);
        Assert.Equal($"Commit {backup.Name}", order[^1]);
        Assert.Empty(_target.InProgress);
    }

    [Theory]
    [InlineData(MemoryOperation.CreateFile)]
    [InlineData(MemoryOperation.Write)]
    [InlineData(MemoryOperation.CompleteFile)]
    [InlineData(MemoryOperation.Commit)]
    public async Task AFailureOnTheTargetLeavesNothingThere(MemoryOperation failing)
    {
        var backup = _source.Add(Now);
        _target.FailWhen = (operation, about) => operation == failing && !about.EndsWith(BackupManifest.SummaryFileName, StringComparison.Ordinal)
            ? new IOException($"{operation} refused")
            : null;

        await Assert.ThrowsAsync<IOException>(() => RepositoryCopy.CopyAsync(_source, backup.Name, _target, null, new ScriptedHost(), CancellationToken.None));

        Assert.Empty(_target.Backups);
        Assert.Empty(_target.InProgress);
        Assert.Equal(1, _target.Aborted);
    }

    [Fact]
    public async Task AFailedReadOfTheSourceLeavesNothingOnTheTarget()
    {
        var backup = _source.Add(Now);
        _source.FailWhen = (operation, about) => operation == MemoryOperation.Read && about.EndsWith(".zst", StringComparison.Ordinal) ? new IOException("disk error") : null;

        await Assert.ThrowsAsync<IOException>(() => RepositoryCopy.CopyAsync(_source, backup.Name, _target, null, new ScriptedHost(), CancellationToken.None));

        Assert.Empty(_target.Backups);
        Assert.Equal(1, _target.Aborted);
    }

    [Fact]
    public async Task ASourceThatNoLongerMatchesItsManifestIsNotCopied()
    {
        var backup = _source.Add(Now);
        _source.Backups[backup.Name]["scorecard.dump.zst"][0] ^= 0xff;

        var error = await Assert.ThrowsAsync<ScorecardException>(() => RepositoryCopy.CopyAsync(_source, backup.Name, _target, null, new ScriptedHost(), CancellationToken.None));

        Assert.Equal(ScorecardErrors.BackupChecksumMismatch.Id, error.ErrorId);
        Assert.Empty(_target.Backups);
        Assert.Empty(_target.InProgress);
    }

    [Fact]
    public async Task TheArchiveSentWhileItWasWrittenIsCompletedNotSentAgain()
    {
        var backup = _source.Add(Now);
        var pending = Pending(backup.Name);
        var created = new List<string>();
        _target.FailWhen = (operation, about) =>
        {
            if (operation == MemoryOperation.CreateFile)
            {
                created.Add(about);
            }

            return null;
        };

        await RepositoryCopy.CopyAsync(_source, backup.Name, _target, pending, new ScriptedHost(), CancellationToken.None);

        Assert.Equal([$"{backup.Name}/{BackupManifest.SummaryFileName}"], created);
        Assert.Equal(_source.Backups[backup.Name], _target.Backups[backup.Name]);
    }

    [Fact]
    public async Task AnArchiveTheTargetRefusedToCompleteIsSentFromTheSource()
    {
        var backup = _source.Add(Now);
        var pending = Pending(backup.Name);
        var refusals = 0;
        _target.FailWhen = (operation, about) => operation == MemoryOperation.CompleteFile && about.EndsWith(".zst", StringComparison.Ordinal) && refusals++ == 0
            ? new ScorecardException(ScorecardErrors.OffsiteRequestFailed, "NoSuchUpload", about)
            : null;

        await RepositoryCopy.CopyAsync(_source, backup.Name, _target, pending, new ScriptedHost(), CancellationToken.None);

        Assert.Equal(_source.Backups[backup.Name], _target.Backups[backup.Name]);
    }

    [Fact]
    public async Task AStoreThatStoppedAnsweringIsNotAskedAgainForTheSameArchive()
    {
        var backup = _source.Add(Now);
        var pending = Pending(backup.Name);
        _target.FailWhen = (operation, _) => operation == MemoryOperation.CompleteFile
            ? new ScorecardException(ScorecardErrors.OffsiteNotReachable, "no answer", "store")
            : null;

        var error = await Assert.ThrowsAsync<ScorecardException>(() => RepositoryCopy.CopyAsync(_source, backup.Name, _target, pending, new ScriptedHost(), CancellationToken.None));

        Assert.Equal(ScorecardErrors.OffsiteNotReachable.Id, error.ErrorId);
        Assert.Empty(_target.Backups);
        Assert.Equal(1, _target.Aborted);
    }

    /// <summary>The archive as the run sent it while it was written: a writer with that file open and filled.</summary>
    private PendingArchive Pending(string backupName)
    {
        var writer = _target.BeginBackup(backupName, CancellationToken.None);
        var archive = writer.CreateFile("scorecard.dump.zst", CancellationToken.None);
        archive.Write(_source.Backups[backupName]["scorecard.dump.zst"]);
        return new PendingArchive(writer, archive, "scorecard.dump.zst");
    }
}
