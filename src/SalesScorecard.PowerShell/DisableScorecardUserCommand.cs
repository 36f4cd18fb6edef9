using System.Management.Automation;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Disable, "ScorecardUser", SupportsShouldProcess = true)]
[OutputType(typeof(ScorecardUser))]
public sealed class DisableScorecardUserCommand : UserActivationCmdlet
{
    protected override bool Active => false;
}
