using System.Management.Automation;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Disable, "ScorecardUser", SupportsShouldProcess = true)]
[OutputType(typeof(ScorecardUser))]
public sealed class DisableScorecardUserCommand : UserActivationCmdlet
{
    /// <summary>Disables even the only active SUPER_ADMIN.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override bool Active => false;

    private protected override bool ForceChange => Force;
}
