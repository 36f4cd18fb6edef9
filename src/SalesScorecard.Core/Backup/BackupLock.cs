using System.Globalization;
using System.Text;

namespace SalesScorecard.Backup;

/// <summary>
/// The OS lock on <c>.backup.lock</c> in a destination (flock on Unix, an exclusive open on Windows): it dies with the
/// process, so a crash never leaves it stuck. The file is opened without following a symbolic link.
/// </summary>
internal sealed class BackupLock : IDisposable
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
            if (new FileInfo(path).LinkTarget is not null)
            {
                throw new SymbolicLinkException(path);
            }

            try
            {
                return new BackupLock(SecureFiles.Create(path, FileMode.OpenOrCreate, FileShare.None));
            }
            catch (IOException)
            {
                return null; // Another run has it open exclusively.
            }
        }

        var file = SecureFiles.OpenNoFollow(path, FileAccess.ReadWrite);
        try
        {
            if (NoFollowFile.TryLockExclusive(file.SafeFileHandle))
            {
                WriteHolder(file);
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

    /// <summary>
    /// Who holds the lock, as a refused run says it: "process 1234 (pwsh) on host db1 has held .backup.lock since
    /// 2026-11-26T23:00:02Z". Read without taking a lock, so it works while the holder has it.
    /// </summary>
    public static string DescribeHolder(string destination)
    {
        var unknown = $"a process holds {FileName}";
        if (!NoFollowFile.IsSupported)
        {
            return unknown;
        }

        try
        {
            using var file = SecureFiles.OpenNoFollow(Path.Combine(destination, FileName), FileAccess.Read);
            using var reader = new StreamReader(file);
            var fields = reader.ReadLine()?.Split('\t');
            return fields is [var pid, var program, var host, var since]
                ? $"process {pid} ({program}) on host {host} has held {FileName} since {since}"
                : unknown;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return unknown;
        }
    }

    // One tab-separated line: pid, program, host, and when the lock was taken (ISO 8601 UTC).
    private static void WriteHolder(FileStream file)
    {
        var program = Path.GetFileNameWithoutExtension(Environment.ProcessPath) ?? "unknown";
        var line = string.Join('\t', Environment.ProcessId.ToString(CultureInfo.InvariantCulture), program, Environment.MachineName,
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)) + "\n";
        file.SetLength(0);
        file.Seek(0, SeekOrigin.Begin);
        file.Write(Encoding.UTF8.GetBytes(line));
        file.Flush(flushToDisk: true);
    }
}
