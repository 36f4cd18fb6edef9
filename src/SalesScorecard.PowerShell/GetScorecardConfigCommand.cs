using System.Management.Automation;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardConfig")]
[OutputType(typeof(ConfigSetting))]
public sealed class GetScorecardConfigCommand : ScorecardCmdlet
{
    protected override void EndProcessing() => RunOrThrow(() =>
    {
        foreach (var setting in LoadSettings().Describe())
        {
            WriteObject(setting);
        }
    });
}
