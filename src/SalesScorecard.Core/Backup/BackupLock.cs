namespace SalesScorecard.Backup;

/// <summary>
/// The OS lock on <c>.backup.lock</c> in a destination (flock on Unix, an exclusive open on Windows): it dies with the
/// process, so a crash never leaves it stuck. The file is opened without following a symbolic link.
/// </summary>
public sealed class BackupLock : IDisposable
{
    public const string FileName = ".backup.lock";

    private readonly FileStream _file;

    private BackupLock(FileStream file) => _file = file;

    /// <summary>Takes the lock without waiting; null when another run holds it.</summary>
    /// <exception cref="SymbolicLinkException">The lock file is a symbolic link.</exception>
    public static BackupLock? TryAcquire(string destination)
    {
        var path = Path.Combine(destination, FileName);
        if (!NoFollowFile.IsSupported)
        {
            try
            {
                return new BackupLock(SecureFiles.Create(path, FileMode.OpenOrCreate, FileShare.None));
            }
            catch (IOException e) when (e is not SymbolicLinkException)
            {
                return null;
            }
        }

        var file = SecureFiles.OpenNoFollow(path, FileAccess.ReadWrite);
        try
        {
            if (NoFollowFile.TryLockExclusive(file.SafeFileHandle))
            {
                return new BackupLock(file);
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }

        file.Dispose();
        return null;
    }

    public void Dispose() => _file.Dispose();
}
