using System.Management.Automation;
using SalesScorecard.Mail;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsDiagnostic.Test, "SmtpSettings")]
[OutputType(typeof(SmtpTestResult), typeof(bool))]
public sealed class TestSmtpSettingsCommand : ScorecardCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SmtpHost { get; set; }

    [Parameter]
    [ValidateRange(WholeNumberRange.PortMinimum, WholeNumberRange.PortMaximum)]
    public int? Port { get; set; }

    /// <summary>Overrides SMTP_USER and SMTP_PASS.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    public SmtpSecurity? Security { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? To { get; set; }

    [Parameter]
    public SwitchParameter SendTestMessage { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var settings = LoadSettings(new Dictionary<string, string?>
        {
            [SettingNames.SmtpHost] = SmtpHost,
            [SettingNames.SmtpPort] = Port?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SettingNames.SmtpUser] = Credential?.UserName,
            [SettingNames.SmtpPass] = Credential?.GetNetworkCredential().Password,
            [SettingNames.SmtpSecurity] = Security?.ToString(),
        });
        var recipients = To?.SelectMany(MailSettings.SplitAddresses).ToList();
        var result = Run((reporter, ct) => SmtpProbe.RunAsync(settings, CurrentDirectory, recipients, SendTestMessage, reporter, ct));
        WriteObject(Quiet ? result.Passed : result);
    });
}
