using System.Management.Automation;
using SalesScorecard.Scheduling;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardBackupSchedule")]
[OutputType(typeof(ScheduleEntry))]
public sealed class GetScorecardBackupScheduleCommand : ScorecardCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord() => RunOrThrow(() =>
    {
        var scheduler = BackupSchedulers.ForThisMachine();
        foreach (var entry in RunQuick(ct => scheduler.ListAsync(Name, ct)))
        {
            WriteObject(entry);
        }
    });
}
