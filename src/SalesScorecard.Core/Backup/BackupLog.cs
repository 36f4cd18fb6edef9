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

    /// <summary>The log's size now: a run notes it first, to mail only its own lines.</summary>
    public long Length => File.Exists(Path) ? new FileInfo(Path).Length : 0;

    /// <summary>The last <paramref name="count"/> lines written since the log was <paramref name="since"/> bytes long, for failure notifications.</summary>
    public IReadOnlyList<string> Tail(int count, long since = 0)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(since, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new Queue<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Enqueue(line);
            if (lines.Count > count)
            {
                lines.Dequeue();
            }
        }

        return lines.ToList();
    }

    /// <summary>The newest run's last <paramref name="count"/> lines: from its START (or REFUSED) line on.</summary>
    public IReadOnlyList<string> LatestRun(int count)
    {
        var lines = File.Exists(Path) ? File.ReadAllLines(Path) : [];
        var start = Array.FindLastIndex(lines, l => Level(l) is "START" or "REFUSED");
        return start < 0 ? [] : lines[start..].TakeLast(count).ToList();
    }

    /// <summary>The error id of a run's FAILED or REFUSED line written after <paramref name="sinceUtc"/>, if any.</summary>
    public static string? FailureOf(IReadOnlyList<string> run, DateTime sinceUtc) =>
        run.Select(l => Fields(l))
            .LastOrDefault(f => f.Length == 3 && f[1] is "FAILED" or "REFUSED"
                && DateTime.TryParse(f[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) && at >= sinceUtc)
            is { } failed ? failed[2].Split(':', 2)[0] : null;

    private static string? Level(string line) => Fields(line) is [_, var level, ..] ? level : null;

    /// <summary>A line's time, level and message.</summary>
    private static string[] Fields(string line) => line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // One event per line: pg_dump's multi-line stderr must not break the log's shape.
    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" | ").Replace("\u001b", string.Empty, StringComparison.Ordinal);
}
