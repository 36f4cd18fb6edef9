using System.Management.Automation;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardConfig")]
[OutputType(typeof(ConfigSetting))]
public sealed class GetScorecardConfigCommand : ScorecardCmdlet
{
    protected override void EndProcessing()
    {
        try
        {
            foreach (var setting in LoadSettings().Describe())
            {
                WriteObject(setting);
            }
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }
}
