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

    /// <summary>How much of the log's end a tail reads at most: a run's lines are a few kilobytes, the log may be gigabytes.</summary>
    private const int TailReach = 4 * 1024 * 1024;

    /// <summary>The last <paramref name="count"/> lines written since the log was <paramref name="since"/> bytes long, for failure notifications.</summary>
    public IReadOnlyList<string> Tail(int count, long since = 0)
    {
        using var stream = OpenForTail();
        if (stream is null)
        {
            return [];
        }

        var lines = LinesFromTheEnd(stream, since).Take(count).ToList();
        lines.Reverse();
        return lines;
    }

    /// <summary>The newest run's last <paramref name="count"/> lines: from its START (or REFUSED) line on.</summary>
    public IReadOnlyList<string> LatestRun(int count)
    {
        using var stream = OpenForTail();
        if (stream is null)
        {
            return [];
        }

        var newest = new List<string>();
        foreach (var line in LinesFromTheEnd(stream, floor: 0))
        {
            if (newest.Count < count)
            {
                newest.Add(line);
            }

            if (Level(line) is "START" or "REFUSED")
            {
                newest.Reverse();
                return newest;
            }
        }

        return [];
    }

    private FileStream? OpenForTail() =>
        File.Exists(Path) ? new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;

    /// <summary>
    /// The log's lines from the newest back, read in blocks from the end, never before byte <paramref name="floor"/>
    /// nor further back than <see cref="TailReach"/>: memory and time stay small however long the log has grown.
    /// </summary>
    private static IEnumerable<string> LinesFromTheEnd(FileStream stream, long floor)
    {
        var position = stream.Length;
        var start = Math.Min(floor, position);
        var stop = Math.Max(start, position - TailReach);
        var anyLine = position > start;
        var pending = Array.Empty<byte>();
        var atEnd = true;
        while (position > stop)
        {
            var size = (int)Math.Min(64 * 1024, position - stop);
            position -= size;
            var block = new byte[size + pending.Length];
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(block, 0, size);
            pending.CopyTo(block, size);
            var end = block.Length;
            for (var i = block.Length - 1; i >= 0; i--)
            {
                if (block[i] != (byte)'\n')
                {
                    continue;
                }

                // The newline that ends the file ends its last line; it starts no empty one.
                if (!(atEnd && i == block.Length - 1))
                {
                    yield return Decode(block, i + 1, end);
                }

                atEnd = false;
                end = i;
            }

            atEnd &= end == block.Length;
            pending = block[..end];
        }

        // The oldest line, maybe empty, when the floor was reached rather than the reach's limit.
        if (anyLine && position == start)
        {
            yield return Decode(pending, 0, pending.Length);
        }
    }

    private static string Decode(byte[] bytes, int start, int end) => Encoding.UTF8.GetString(bytes, start, end - start).TrimEnd('\r');

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
