using System.Text;
using SalesScorecard.Archive;
using SalesScorecard.Backup;
using SalesScorecard.Repository;
using SalesScorecard.Settings;
using SalesScorecard.Tests.Jobs;
using SalesScorecard.Tests.Storage;

namespace SalesScorecard.Tests.Backup;

/// <summary>
/// A backup run driven through its seams (an in-memory repository or a folder, a stand-in database, stand-in pg_dump and
/// pg_restore), with a failure injected in each phase: what is kept, what is left behind, and what the log says.
/// </summary>
public sealed class BackupRunTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly BackupSession _session;
    private readonly MemoryRepository _repository = new();
    private readonly StandInDatabase _database = new();

    public BackupRunTests()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "bin"));
        _session = BackupSession.Open(Path.Combine(_folder.Path, "state"));
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    private string Log() => File.ReadAllText(_session.Log.Path);

    private BackupRequest Request(string pgDump, IBackupRepository? repository = null, IBackupDatabase? database = null, IBackupRepository? copy = null) => new()
    {
        DatabaseUrl = DatabaseUrl.Parse("postgresql://backup:secret@localhost:5432/scorecard"),
        Destination = _session.Destination,
        PgDumpPath = pgDump,
        ModuleVersion = "0.1.0",
        Repository = repository ?? _repository,
        CopyTarget = copy,
        OpenDatabase = (_, _) => Task.FromResult(database ?? _database),
    };

    private Task<BackupInfo> RunAsync(BackupRequest request) => _session.RunAsync(request, new ScriptedHost(), CancellationToken.None);

    [Fact]
    public async Task AWholeRunCommitsTheArchiveTheSummaryAndTheManifest()
    {
        var info = await RunAsync(Request(StandInPgTools.Write(Path.Combine(_folder.Path, "bin"))));

        var files = _repository.Backups[info.Name];
        Assert.Equal(["manifest.json", "scorecard.dump.zst", "summary.txt"], files.Keys.Order(StringComparer.Ordinal));
        var manifest = BackupManifest.Deserialize(Encoding.UTF8.GetString(files["manifest.json"]));
        Assert.Equal(15, manifest.TotalRows);
        Assert.Equal(ManifestFile.Of(files["scorecard.dump.zst"]), manifest.Files["scorecard.dump.zst"]);
        await using var raw = ArchivePipeline.OpenRaw(new MemoryStream(files["scorecard.dump.zst"]), null);
        Assert.Equal(StandInPgTools.Archive, await new StreamReader(raw).ReadToEndAsync());
        Assert.Empty(_repository.InProgress);
        Assert.True(_database.Disposed);
        Assert.Contains($"SUCCESS {info.Name}: ", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IntoAFolderTheBackupIsAFolderAndNoPartialIsLeft()
    {
        var backups = Path.Combine(_folder.Path, "backups");
        Directory.CreateDirectory(backups);

        var info = await RunAsync(Request(StandInPgTools.Write(Path.Combine(_folder.Path, "bin")), new LocalFolderRepository(backups)));

        Assert.Equal(BackupStatus.Succeeded, Assert.Single(BackupCatalog.List(backups)).Status);
        Assert.Equal(Path.Combine(backups, info.Name), info.Path);
        Assert.Empty(LocalFolderRepository.FindChecksumMismatches(info.Path, BackupCatalog.ReadManifest(info.Path)));
        Assert.Empty(Directory.EnumerateDirectories(backups, "*" + BackupCatalog.PartialSuffix));
    }

    [Theory]
    [InlineData("dump", "BackupFailed")]
    [InlineData("count", "BackupFailed")]
    [InlineData("verify", "BackupFailed")]
    [InlineData("store", "OffsiteRequestFailed")]
    [InlineData("manifest", "OffsiteRequestFailed")]
    [InlineData("commit", "OffsiteRequestFailed")]
    public async Task AFailureInAnyPhaseKeepsNothingAndAbortsTheWriter(string phase, string errorId)
    {
        var bin = Path.Combine(_folder.Path, "bin");
        var pgDump = phase switch
        {
            "dump" => StandInPgTools.Write(bin, dump: "echo 'pg_dump: error: connection to server lost' >&2; exit 1"),
            "verify" => StandInPgTools.Write(bin, read: "echo 'pg_restore: error: could not read input file: end of file' >&2; exit 1"),
            _ => StandInPgTools.Write(bin),
        };
        var database = new StandInDatabase { CountingFails = phase == "count" ? new InvalidOperationException("the server closed the connection") : null };
        _repository.FailWhen = (operation, about) => (phase, operation) switch
        {
            ("store", MemoryOperation.CompleteFile) when about.EndsWith(".zst", StringComparison.Ordinal) => new IOException("reset by peer"),
            ("manifest", MemoryOperation.CreateFile) when about.EndsWith(BackupManifest.SummaryFileName, StringComparison.Ordinal) => new IOException("reset by peer"),
            ("commit", MemoryOperation.Commit) => new IOException("reset by peer"),
            _ => null,
        };

        var error = await Assert.ThrowsAsync<ScorecardException>(() => RunAsync(Request(pgDump, database: database)));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Empty(_repository.Backups);
        Assert.Empty(_repository.InProgress);
        Assert.Equal(1, _repository.Aborted);
        Assert.True(database.Disposed);
        Assert.Contains($"FAILED  {errorId}: ", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APreflightFailureBeginsNoBackup()
    {
        var pgDump = StandInPgTools.Write(Path.Combine(_folder.Path, "bin"), major: 14);

        var error = await Assert.ThrowsAsync<ScorecardException>(() => RunAsync(Request(pgDump)));

        Assert.Equal(ScorecardErrors.PgDumpTooOld.Id, error.ErrorId);
        Assert.Empty(_repository.InProgress);
        Assert.Equal(0, _repository.Aborted);
    }

    [Fact]
    public async Task AFailedDumpIntoAFolderLeavesNoPartialFolder()
    {
        var backups = Path.Combine(_folder.Path, "backups");
        Directory.CreateDirectory(backups);
        var pgDump = StandInPgTools.Write(Path.Combine(_folder.Path, "bin"), dump: "printf 'PGDMP half'; exit 1");

        await Assert.ThrowsAsync<ScorecardException>(() => RunAsync(Request(pgDump, new LocalFolderRepository(backups))));

        Assert.Empty(Directory.EnumerateFileSystemEntries(backups));
    }

    [Fact]
    public async Task TheCopySentWhileTheArchiveWasWrittenIsHandedOnOrAborted()
    {
        var store = new MemoryRepository("memory://copy");
        var pgDump = StandInPgTools.Write(Path.Combine(_folder.Path, "bin"));
        var backups = Path.Combine(_folder.Path, "backups");
        Directory.CreateDirectory(backups);

        var info = await RunAsync(Request(pgDump, new LocalFolderRepository(backups), copy: store));
        var pending = _session.TakePendingCopy();
        Assert.Equal(info.Name, pending?.Writer.BackupName);
        await pending!.DisposeAsync();
        Assert.Equal(1, store.Aborted);

        _repository.FailWhen = (operation, _) => operation == MemoryOperation.Commit ? new IOException("reset by peer") : null;
        await Assert.ThrowsAsync<ScorecardException>(() => RunAsync(Request(pgDump, copy: store)));
        Assert.Null(_session.TakePendingCopy());
        Assert.Equal(2, store.Aborted);
        Assert.Empty(store.InProgress);
    }
}
