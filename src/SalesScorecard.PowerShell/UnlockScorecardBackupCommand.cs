using System.Management.Automation;

namespace SalesScorecard.PowerShell;

/// <summary>Releases the pin of backups, so that retention may remove them again once they expire.</summary>
[Cmdlet(VerbsCommon.Unlock, "ScorecardBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Name")]
[OutputType(typeof(BackupInfo))]
public sealed class UnlockScorecardBackupCommand : BackupPinCmdlet
{
    private protected override string? PinReason => null;

    private protected override string Action => "Release the pin: retention may remove the backup once it expires";
}
