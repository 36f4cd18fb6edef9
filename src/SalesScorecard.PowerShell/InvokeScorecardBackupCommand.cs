using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Invoke, "ScorecardBackup", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class InvokeScorecardBackupCommand : ScorecardCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [ValidateRange(0, 36500)]
    public int? RetentionDays { get; set; }

    [Parameter]
    [ValidateRange(1, 10000)]
    public int? KeepLast { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int? Jobs { get; set; }

    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    [Parameter]
    public SwitchParameter Notify { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var settings = LoadSettings(new Dictionary<string, string?>
            {
                [SettingNames.DatabaseUrl] = DatabaseUrl,
                [SettingNames.BackupDir] = ProviderPath(Destination),
                [SettingNames.BackupRetentionDays] = RetentionDays?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [SettingNames.BackupKeepMin] = KeepLast?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            var url = settings.GetDatabaseUrl();
            var destination = settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!;
            var retentionDays = settings.GetInt(SettingNames.BackupRetentionDays, 0, 36500);
            var keepLast = settings.GetInt(SettingNames.BackupKeepMin, 1, 10000);
            if (Notify)
            {
                WriteWarning("-Notify: email notifications are not available in this version; the backup runs without them.");
            }

            if (!ShouldProcess($"{url.Describe()} into {destination}", "Back up the database"))
            {
                // -WhatIf: say what retention would remove after a successful backup, and change nothing.
                foreach (var expired in BackupCatalog.SelectExpired(BackupCatalog.List(destination), retentionDays, keepLast, DateTime.UtcNow))
                {
                    ShouldProcess(expired.Path, "Remove expired backup");
                }

                return;
            }

            using var session = BackupSession.Open(destination);
            var request = new BackupRequest
            {
                DatabaseUrl = url,
                Destination = destination,
                PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, CurrentDirectory),
                Jobs = Jobs,
                SkipVerify = SkipVerify,
                ModuleVersion = MyInvocation.MyCommand.Module?.Version?.ToString() ?? "0.0.0",
            };
            var backup = Run((reporter, ct) => session.RunAsync(request, reporter, ct));

            if (backup.Verified)
            {
                foreach (var expired in session.FindExpired(retentionDays, keepLast))
                {
                    if (ShouldProcess(expired.Path, "Remove expired backup"))
                    {
                        WriteVerbose($"Retention: removing {expired.Name}.");
                        session.Remove(expired);
                    }
                }
            }
            else
            {
                WriteWarning("Retention skipped: it runs only after a verified backup (-SkipVerify was given).");
            }

            WriteObject(backup);
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }
}
