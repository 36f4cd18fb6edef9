using System.Management.Automation;
using SalesScorecard.Scheduling;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Unregister, "ScorecardBackupSchedule", SupportsShouldProcess = true)]
[OutputType(typeof(ScheduleEntry))]
public sealed class UnregisterScorecardBackupScheduleCommand : ScorecardCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "SalesScorecardBackup";

    /// <summary>
    /// Only the entries of these kinds; default: all of that name. Bound from a piped <see cref="ScheduleEntry"/>, so
    /// that each piped entry removes itself only (the backup and the watchdog share a Name).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(ScheduleKind.Backup, ScheduleKind.Watchdog)]
    public string[]? Kind { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => RunOrThrow(() =>
    {
        var scheduler = BackupSchedulers.ForThisMachine();
        // ValidateSet takes any case ('watchdog'); the markers are spelled one way.
        var kinds = Kind?.Select(k => ScheduleKind.Find(k)!).ToArray();
        var existing = RunQuick(ct => scheduler.ListAsync(Name, ct)).Where(e => kinds is null || kinds.Contains(e.Kind)).ToList();
        if (existing.Count == 0)
        {
            var what = kinds is null ? "schedule" : $"{string.Join(" or ", kinds)} schedule";
            WriteScorecardError(new ScorecardException(ScorecardErrors.ScheduleNotFound,
                $"No {what} named '{Name}' is registered for this user.", Name));
            return;
        }

        if (ShouldProcess($"{Name} ({string.Join(", ", existing.Select(e => e.Kind))})", existing.Count == 1 ? "Remove the scheduled job" : "Remove the scheduled jobs"))
        {
            var removed = RunQuick(ct => scheduler.UnregisterAsync(Name, kinds, ct));
            if (PassThru)
            {
                WriteObject(removed, enumerateCollection: true);
            }
        }
    });
}
