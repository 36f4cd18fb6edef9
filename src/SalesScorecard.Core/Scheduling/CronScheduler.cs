using System.Text;
using SalesScorecard.Processes;

namespace SalesScorecard.Scheduling;

/// <summary>
/// The current user's crontab, through crontab -l and crontab -. Our lines end with the marker
/// <c># SalesScorecard:&lt;Name&gt;:&lt;Kind&gt;</c>; every other line is written back byte for byte.
/// </summary>
internal sealed class CronScheduler : IBackupScheduler
{
    public const string Platform = "cron";
    private const string MarkerPrefix = "# SalesScorecard:";

    public async Task<IReadOnlyList<ScheduleEntry>> ListAsync(string? name, CancellationToken cancellationToken) =>
        Parse(await ReadAsync(cancellationToken).ConfigureAwait(false))
            .Where(e => name is null || string.Equals(e.Name, name, StringComparison.Ordinal))
            .ToList();

    /// <summary>Adds the entries of <paramref name="request"/>, replacing any of that name; returns them.</summary>
    public async Task<IReadOnlyList<ScheduleEntry>> RegisterAsync(ScheduleRequest request, CancellationToken cancellationToken)
    {
        request.Validate();
        var lines = SplitLines(await ReadAsync(cancellationToken).ConfigureAwait(false));
        lines.RemoveAll(line => IsOurs(line, request.Name));
        var entries = new List<string> { Line(request.At, Command(request, request.BackupScript(), ScheduleRequest.BackupLogName), request.Name, ScheduleKind.Backup) };
        if (request.WatchdogAt is { } watchdog)
        {
            entries.Add(Line(watchdog, Command(request, request.WatchdogScript(), ScheduleRequest.WatchdogLogName), request.Name, ScheduleKind.Watchdog));
        }

        lines.AddRange(entries);
        // The job's shell opens cron.log in the destination before pwsh starts: the folder must exist by then.
        SecureFiles.CreateFolder(request.Destination);
        await WriteAsync(lines, cancellationToken).ConfigureAwait(false);
        return Parse(string.Join("\n", entries));
    }

    /// <summary>Removes exactly our lines of that name (and of those kinds, when given); returns what was removed.</summary>
    public async Task<IReadOnlyList<ScheduleEntry>> UnregisterAsync(string name, IReadOnlyCollection<string>? kinds, CancellationToken cancellationToken)
    {
        var text = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var lines = SplitLines(text);
        var removed = Parse(string.Join("\n", lines.Where(line => IsOurs(line, name, kinds))));
        if (removed.Count > 0)
        {
            lines.RemoveAll(line => IsOurs(line, name, kinds));
            await WriteAsync(lines, cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    /// <summary>
    /// The shell command cron runs: absolute paths, no profile, output appended to a log in the destination. The umask
    /// comes first because the shell creates the log before pwsh starts, with cron's umask (often 022, even 000).
    /// </summary>
    private static string Command(ScheduleRequest request, string script, string logName) =>
        "umask 077; " + string.Join(' ', request.Pwsh.Select(ShQuote)) + " -NoProfile -NonInteractive -Command " + ShQuote(script) +
        " >> " + ShQuote(Path.Combine(request.Destination, logName)) + " 2>&1";

    private static string Line(TimeOnly at, string command, string name, string kind) =>
        // cron turns an unescaped % into a newline.
        $"{at.Minute} {at.Hour} * * * {command.Replace("%", "\\%", StringComparison.Ordinal)} {MarkerPrefix}{name}:{kind}";

    /// <summary>Whether the line is our entry of that name and of one of <paramref name="kinds"/> (null: any kind).</summary>
    private static bool IsOurs(string line, string name, IReadOnlyCollection<string>? kinds = null) =>
        (kinds ?? ScheduleKind.All).Any(kind => line.TrimEnd().EndsWith($"{MarkerPrefix}{name}:{kind}", StringComparison.Ordinal));

    private static List<ScheduleEntry> Parse(string crontab)
    {
        var entries = new List<ScheduleEntry>();
        foreach (var line in SplitLines(crontab))
        {
            var marker = line.LastIndexOf(MarkerPrefix, StringComparison.Ordinal);
            if (marker < 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var tag = line[(marker + MarkerPrefix.Length)..].Trim();
            var colon = tag.LastIndexOf(':');
            if (colon <= 0 || ScheduleKind.Find(tag[(colon + 1)..]) is not { } kind)
            {
                continue;
            }

            var fields = line[..marker].TrimEnd().Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6)
            {
                entries.Add(new ScheduleEntry(tag[..colon], kind, string.Join(' ', fields[..5]), fields[5].Replace("\\%", "%", StringComparison.Ordinal), Platform));
            }
        }

        return entries;
    }

    /// <summary>The lines, exactly; only the final line end is dropped (WriteAsync puts it back), blank lines stay.</summary>
    private static List<string> SplitLines(string text) =>
        text.Length == 0 ? [] : (text.EndsWith('\n') ? text[..^1] : text).Split('\n').ToList();

    private static async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await Crontab(["-l"], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            return result.StandardOutput;
        }

        // crontab -l says "no crontab for <user>" and exits 1 when there is none yet.
        return result.StandardError.Contains("no crontab", StringComparison.OrdinalIgnoreCase)
            ? string.Empty
            : throw new ScorecardException(ScorecardErrors.ScheduleUnavailable,
                $"crontab -l failed (exit code {result.ExitCode}): {result.StandardError}");
    }

    private static async Task WriteAsync(List<string> lines, CancellationToken cancellationToken)
    {
        var text = lines.Count == 0 ? string.Empty : string.Join("\n", lines) + "\n";
        var result = await Crontab(["-"], text, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new ScorecardException(ScorecardErrors.ScheduleUnavailable,
                $"crontab - refused the new table (exit code {result.ExitCode}): {result.StandardError}");
        }
    }

    private static async Task<ProcessResult> Crontab(string[] arguments, string? input, CancellationToken cancellationToken)
    {
        try
        {
            return await ExternalProcess.RunAsync("crontab", arguments, new Dictionary<string, string?>(), cancellationToken,
                input is null ? null : (stdin, ct) => stdin.WriteAsync(Encoding.UTF8.GetBytes(input), ct).AsTask()).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ScorecardException(ScorecardErrors.ScheduleUnavailable,
                $"crontab could not be run ({e.Message}). Install cron (Debian/Ubuntu: apt-get install cron).", "crontab", e);
        }
    }

    private static string ShQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
