using System.Globalization;

namespace SalesScorecard.Scheduling;

/// <summary>What Register-ScorecardBackupSchedule sets up. Paths are absolute.</summary>
public sealed class ScheduleRequest
{
    public const string BackupLogName = "cron.log";
    public const string WatchdogLogName = "watchdog.log";

    public required string Name { get; init; }

    /// <summary>Local time of day of the backup, HH:mm.</summary>
    public required TimeOnly At { get; init; }

    /// <summary>Local time of day of the watchdog; null for none.</summary>
    public TimeOnly? WatchdogAt { get; init; }

    public required TimeSpan MaxAge { get; init; }

    public required string EnvFile { get; init; }

    public required string Destination { get; init; }

    /// <summary>The pwsh program, and any argument it needs first (dotnet's pwsh.dll).</summary>
    public required IReadOnlyList<string> Pwsh { get; init; }

    public required string ModuleManifest { get; init; }

    public static TimeOnly ParseTime(string value, string parameter) =>
        TimeOnly.TryParseExact(value.Trim(), ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new ScorecardException("InvalidSchedule", ScorecardErrorCategory.InvalidArgument,
                $"-{parameter} '{value}' is not a time of day as HH:mm (for example 23:00).", value);

    /// <summary>
    /// Plain log lines: no colour codes, and errors shown with their id (NormalView), as a log reader needs them.
    /// </summary>
    private const string LogFriendly = "$PSStyle.OutputRendering = 'PlainText'; $ErrorView = 'NormalView'; ";

    /// <summary>The PowerShell the backup job runs: the nightly backup, mailing every outcome, failing loudly.</summary>
    public string BackupScript() =>
        $"{LogFriendly}Import-Module {PsQuote(ModuleManifest)}; Invoke-ScorecardBackup -EnvFile {PsQuote(EnvFile)} -Destination {PsQuote(Destination)} -Notify -ErrorAction Stop";

    /// <summary>The PowerShell the watchdog runs: alert when the newest good backup is too old, missing or damaged.</summary>
    public string WatchdogScript() =>
        $"{LogFriendly}Import-Module {PsQuote(ModuleManifest)}; Test-ScorecardBackup -Latest -EnvFile {PsQuote(EnvFile)} -Destination {PsQuote(Destination)} " +
        $"-MaxAge {PsQuote(MaxAge.ToString("c", CultureInfo.InvariantCulture))} -Notify -ErrorAction Stop | Out-Null";

    public static string PsQuote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
