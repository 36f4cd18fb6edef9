using System.Globalization;
using System.Text;

namespace SalesScorecard.Backup;

/// <summary>backup.log in the destination: plain lines (no colour codes), UTC timestamps, owner-only.</summary>
public sealed class BackupLog(string destination)
{
    public const string FileName = "backup.log";

    public string Path { get; } = System.IO.Path.Combine(destination, FileName);

    public void Write(string level, string message)
    {
        var line = $"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} {level,-7} {OneLine(message)}\n";
        using var stream = SecureFiles.OpenNoFollow(Path, FileAccess.Write, append: true);
        stream.Write(Encoding.UTF8.GetBytes(line));
    }

    /// <summary>Writes unless the log itself cannot be written: a failure's log line must never hide the failure.</summary>
    public void TryWrite(string level, string message)
    {
        try
        {
            Write(level, message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The caller is already reporting something worse (a planted symbolic link included).
        }
    }

    /// <summary>The last <paramref name="count"/> lines, for failure notifications.</summary>
    public IReadOnlyList<string> Tail(int count) =>
        File.Exists(Path) ? File.ReadLines(Path).TakeLast(count).ToList() : [];

    // One event per line: pg_dump's multi-line stderr must not break the log's shape.
    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" | ").Replace("\u001b", string.Empty, StringComparison.Ordinal);
}
