using System.Management.Automation;

namespace SalesScorecard.PowerShell;

/// <summary>Pins backups by hand (an audit, a legal hold): retention, here and on the store, never removes them.</summary>
[Cmdlet(VerbsCommon.Lock, "ScorecardBackup", SupportsShouldProcess = true, DefaultParameterSetName = "Name")]
[OutputType(typeof(BackupInfo))]
public sealed class LockScorecardBackupCommand : BackupPinCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    private protected override string? PinReason => Reason!.Trim();

    private protected override string Action => "Pin the backup: retention keeps it until it is released";
}
