using SalesScorecard.Backup;
using SalesScorecard.Repository;

namespace SalesScorecard.Tests.Storage;

/// <summary>A backup being written into a <see cref="MemoryRepository"/>: its files stay in progress until the commit, and are dropped by an abort.</summary>
internal sealed class MemoryBackupWriter : IBackupWriter
{
    private readonly MemoryRepository _repository;
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private bool _done;

    public MemoryBackupWriter(MemoryRepository repository, string backupName)
    {
        _repository = repository;
        BackupName = backupName;
        repository.InProgress[backupName] = _files;
    }

    public string BackupName { get; }

    public string? LocalFolder => null;

    public Stream CreateFile(string relative, CancellationToken cancellationToken, TimeSpan? slowestWrite = null)
    {
        _repository.Check(MemoryOperation.CreateFile, $"{BackupName}/{relative}");
        return new FailingWrites(() => _repository.Check(MemoryOperation.Write, $"{BackupName}/{relative}"));
    }

    public Task CompleteFileAsync(Stream file, string relative, ManifestFile expected, CancellationToken cancellationToken)
    {
        _repository.Check(MemoryOperation.CompleteFile, $"{BackupName}/{relative}");
        var bytes = ((MemoryStream)file).ToArray();
        if (ManifestFile.Of(bytes) != expected)
        {
            throw new ScorecardException(ScorecardErrors.OffsiteVerifyFailed, $"{relative} was stored other than written.", relative);
        }

        _files[relative] = bytes;
        return Task.CompletedTask;
    }

    public Task WriteFileAsync(string relative, byte[] content, CancellationToken cancellationToken)
    {
        var file = CreateFile(relative, cancellationToken);
        file.Write(content);
        return CompleteFileAsync(file, relative, ManifestFile.Of(content), cancellationToken);
    }

    public Task<string> CommitAsync(byte[] manifest, CancellationToken cancellationToken)
    {
        _repository.Check(MemoryOperation.Commit, BackupName);
        _files[BackupManifest.FileName] = manifest;
        _repository.Backups[BackupName] = new Dictionary<string, byte[]>(_files, StringComparer.Ordinal);
        _repository.InProgress.Remove(BackupName);
        _done = true;
        return Task.FromResult(_repository.AddressOf(BackupName));
    }

    public ValueTask DisposeAsync()
    {
        if (!_done)
        {
            _repository.InProgress.Remove(BackupName);
            _repository.Aborted++;
        }

        _done = true;
        return ValueTask.CompletedTask;
    }
}
