using System.Management.Automation;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Enable, "ScorecardUser", SupportsShouldProcess = true)]
[OutputType(typeof(ScorecardUser))]
public sealed class EnableScorecardUserCommand : UserActivationCmdlet
{
    protected override bool Active => true;
}
