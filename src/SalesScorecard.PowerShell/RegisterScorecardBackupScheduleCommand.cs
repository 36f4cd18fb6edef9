using System.Management.Automation;
using SalesScorecard.Scheduling;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Register, "ScorecardBackupSchedule", SupportsShouldProcess = true)]
[OutputType(typeof(ScheduleEntry))]
public sealed class RegisterScorecardBackupScheduleCommand : ScorecardCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string At { get; set; } = "23:00";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9_.-]+\z")]
    public string Name { get; set; } = "SalesScorecardBackup";

    /// <summary>The watchdog's time of day; an empty string registers no watchdog.</summary>
    [Parameter]
    [AllowEmptyString]
    public string WatchdogAt { get; set; } = "07:30";

    [Parameter]
    [HoursTimeSpan]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(26);

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var settings = LoadSettings(new Dictionary<string, string?> { [SettingNames.BackupDir] = ProviderPath(Destination) });
        var envFile = settings.EnvFile?.Path ?? throw new ScorecardException(ScorecardErrors.EnvFileRequired,
            "The scheduled job reads its settings from an .env file, as cron starts it with an empty environment. Give -EnvFile.");
        var request = new ScheduleRequest
        {
            Name = Name,
            At = ScheduleRequest.ParseTime(At, nameof(At)),
            WatchdogAt = string.IsNullOrWhiteSpace(WatchdogAt) ? null : ScheduleRequest.ParseTime(WatchdogAt, nameof(WatchdogAt)),
            MaxAge = MaxAge,
            EnvFile = envFile,
            Destination = settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!,
            Pwsh = PwshCommand(),
            ModuleManifest = System.IO.Path.Combine(MyInvocation.MyCommand.Module!.ModuleBase, "SalesScorecard.psd1"),
        };

        var scheduler = BackupSchedulers.ForThisMachine();
        var existing = RunQuick(ct => scheduler.ListAsync(Name, ct));
        if (existing.Count > 0 && !Force)
        {
            ThrowScorecardError(new ScorecardException(ScorecardErrors.ScheduleExists,
                $"A schedule named '{Name}' is already registered ({string.Join("; ", existing.Select(e => $"{e.Kind} at '{e.Schedule}'"))}). Add -Force to replace it.", Name));
        }

        var what = $"{request.Name}: backup daily at {request.At:HH:mm}" + (request.WatchdogAt is { } w ? $", watchdog at {w:HH:mm} (max age {request.MaxAge})" : string.Empty);
        if (ShouldProcess(what, existing.Count > 0 ? "Replace the scheduled jobs" : "Add scheduled jobs"))
        {
            foreach (var entry in RunQuick(ct => scheduler.RegisterAsync(request, ct)))
            {
                WriteObject(entry);
            }
        }
    });

    /// <summary>This very pwsh, by absolute path: cron's PATH will not find a dotnet tool.</summary>
    private string[] PwshCommand()
    {
        var self = Environment.ProcessPath!;
        if (System.IO.Path.GetFileNameWithoutExtension(self).Equals("pwsh", StringComparison.OrdinalIgnoreCase))
        {
            return [self];
        }

        var home = (string)SessionState.PSVariable.GetValue("PSHOME");
        var apphost = System.IO.Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        return File.Exists(apphost) ? [apphost] : [self, System.IO.Path.Combine(home, "pwsh.dll")];
    }
}
