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

    /// <summary>
    /// What the scheduled lines import. A module installed as <c>&lt;root&gt;/SalesScorecard/&lt;version&gt;/</c> (as
    /// Install-PSResource and Update-PSResource lay it out) is imported by its version-less folder, from which
    /// Import-Module loads the newest version there: the lines survive an upgrade and the removal of the old version.
    /// A module elsewhere (a build's output folder) is imported by its manifest.
    /// </summary>
    public string ModuleToImport
    {
        get
        {
            var versionFolder = Path.GetDirectoryName(ModuleManifest);
            var moduleFolder = versionFolder is null ? null : Path.GetDirectoryName(versionFolder);
            return versionFolder is not null && moduleFolder is not null && Version.TryParse(Path.GetFileName(versionFolder), out _) &&
                   string.Equals(Path.GetFileName(moduleFolder), Path.GetFileNameWithoutExtension(ModuleManifest), StringComparison.OrdinalIgnoreCase)
                ? moduleFolder
                : ModuleManifest;
        }
    }

    public static TimeOnly ParseTime(string value, string parameter) =>
        TimeOnly.TryParseExact(value.Trim(), ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new ScorecardException(ScorecardErrors.InvalidSchedule,
                $"-{parameter} '{value}' is not a time of day as HH:mm (for example 23:00).", value);

    /// <summary>
    /// Set to 1, SIGTERM ends the process with exit code 143 once the command has cleaned up: what a scheduler expects
    /// of the job it stops. Unset (VS Code, a runspace, an admin's shell), SIGTERM only cancels the running command.
    /// </summary>
    public const string ExitOnSigtermVariable = "SCORECARD_EXIT_ON_SIGTERM";

    /// <summary>
    /// What a scheduled line starts with: plain log lines (no colour codes, errors with their id, as a log reader needs
    /// them) and the opt-in to exit 143 on SIGTERM.
    /// </summary>
    private const string Prologue = "$PSStyle.OutputRendering = 'PlainText'; $ErrorView = 'NormalView'; $env:" + ExitOnSigtermVariable + " = '1'; ";

    /// <summary>The PowerShell the backup job runs: the nightly backup, mailing every outcome, failing loudly.</summary>
    public string BackupScript() =>
        $"{Prologue}Import-Module {PsQuote(ModuleToImport)} -ErrorAction Stop; Invoke-ScorecardBackup -EnvFile {PsQuote(EnvFile)} -Destination {PsQuote(Destination)} -Notify -ErrorAction Stop";

    /// <summary>The PowerShell the watchdog runs: alert when the newest good backup is too old, missing or damaged.</summary>
    public string WatchdogScript() =>
        $"{Prologue}Import-Module {PsQuote(ModuleToImport)} -ErrorAction Stop; Test-ScorecardBackup -Latest -EnvFile {PsQuote(EnvFile)} -Destination {PsQuote(Destination)} " +
        $"-MaxAge {PsQuote(MaxAge.ToString("c", CultureInfo.InvariantCulture))} -Notify -ErrorAction Stop | Out-Null";

    /// <summary>A PowerShell single-quoted literal; PowerShell also ends one at the typographic single quotes.</summary>
    public static string PsQuote(string value)
    {
        var quoted = new System.Text.StringBuilder("'");
        foreach (var c in value)
        {
            quoted.Append(c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B' ? new string(c, 2) : c.ToString());
        }

        return quoted.Append('\'').ToString();
    }

    /// <summary>A line break or other control character in a path would split the job's command line.</summary>
    public void Validate()
    {
        foreach (var (what, value) in new[] { ("the .env file", EnvFile), ("the destination", Destination), ("the module", ModuleManifest) }.Concat(Pwsh.Select(p => ("pwsh", p))))
        {
            if (value.Any(char.IsControl))
            {
                throw new ScorecardException(ScorecardErrors.InvalidSchedule,
                    $"The path of {what} contains a line break or another control character; it cannot go into a scheduled command.", value);
            }
        }
    }
}
