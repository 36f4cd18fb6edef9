using System.Collections;
using System.Management.Automation;
using SalesScorecard.Mail;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

public enum NotificationStatus
{
    Success,
    Failure,
}

[Cmdlet(VerbsCommunications.Send, "BackupNotification", SupportsShouldProcess = true, DefaultParameterSetName = "InputObject")]
[OutputType(typeof(NotificationResult))]
public sealed class SendBackupNotificationCommand : ScorecardCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public BackupInfo? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Status")]
    public NotificationStatus Status { get; set; }

    /// <summary>Upstream's details: a hashtable or the JSON string send-backup-notification.js takes.</summary>
    [Parameter(Position = 1, ParameterSetName = "Status")]
    [ValidateNotNull]
    public object? Details { get; set; }

    [Parameter(ParameterSetName = "Status")]
    [ValidateNotNullOrEmpty]
    public string? ErrorMessage { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? To { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private ScorecardSettings? _settings;

    protected override void BeginProcessing()
    {
        try
        {
            _settings = LoadSettings();
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }

    protected override void ProcessRecord()
    {
        var settings = _settings!;
        var recipients = To?.SelectMany(MailSettings.SplitAddresses).ToList();
        var missing = MailSettings.MissingKeys(settings, recipients);
        if (missing.Count > 0)
        {
            WriteWarning(MailSettings.NotConfiguredWarning(missing));
            return;
        }

        try
        {
            var facts = ParameterSetName == "InputObject" ? NotificationFacts.FromBackup(InputObject!) : FactsFromDetails();
            var mail = MailSettings.Load(settings, CurrentDirectory, recipients);
            if (!ShouldProcess($"{string.Join(", ", mail.RecipientAddresses)} through {mail.Server}", $"Send '{NotificationMessage.Subject(facts, mail)}'"))
            {
                return;
            }

            var result = Run((reporter, ct) => SmtpNotifier.NotifyAsync(mail, facts, reporter, ct));
            WriteVerbose($"Sent '{result.Subject}' to {string.Join(", ", result.Recipients)} in {result.Attempts} attempt(s).");
            if (PassThru)
            {
                WriteObject(result);
            }
        }
        catch (ScorecardException e)
        {
            WriteScorecardError(e);
        }
    }

    private NotificationFacts FactsFromDetails()
    {
        var details = Details switch
        {
            null => new Dictionary<string, object?>(),
            string json => NotificationFacts.ParseUpstreamJson(json),
            IDictionary dictionary => ToDetails(dictionary),
            _ => throw new ScorecardException("InvalidDetails", ScorecardErrorCategory.InvalidArgument,
                "-Details takes a hashtable or the JSON string send-backup-notification.js takes."),
        };
        if (ErrorMessage is not null)
        {
            details = new Dictionary<string, object?>(details) { ["error"] = ErrorMessage };
        }

        return NotificationFacts.FromUpstreamDetails(Status == NotificationStatus.Success, details);
    }

    private static Dictionary<string, object?> ToDetails(IDictionary dictionary) =>
        dictionary.Cast<DictionaryEntry>().ToDictionary(
            entry => entry.Key.ToString()!,
            entry => Unwrap(entry.Value) is IDictionary nested
                ? (object?)nested.Cast<DictionaryEntry>().Select(e => KeyValuePair.Create(e.Key.ToString()!, Unwrap(e.Value))).ToList()
                : Unwrap(entry.Value),
            StringComparer.Ordinal);

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
