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

    /// <summary>
    /// Upstream's details: the JSON string send-backup-notification.js takes (as typed, from ConvertTo-Json or
    /// Get-Content -Raw), or a hashtable, ordered dictionary or object with the same keys; also from the pipeline.
    /// </summary>
    [Parameter(Position = 1, ParameterSetName = "Status", ValueFromPipeline = true)]
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

    /// <summary>Retry a deferred or failed mail for this many seconds (SMTP_RETRY_SECONDS), as -Notify does.</summary>
    [Parameter]
    [ValidateRange(WholeNumberRange.RetrySecondsMinimum, WholeNumberRange.RetrySecondsMaximum)]
    public int? RetrySeconds { get; set; }

    private ScorecardSettings? _settings;

    protected override void BeginProcessing() => RunOrThrow(() =>
    {
        _settings = LoadSettings(new Dictionary<string, string?>
        {
            [SettingNames.SmtpRetrySeconds] = RetrySeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    });

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
            var facts = ParameterSetName == "InputObject" ? NotificationFacts.FromBackup(InputObject!) : FactsFromDetails(settings);
            var mail = MailSettings.Load(settings, CurrentDirectory, recipients);
            if (!ShouldProcess($"{string.Join(", ", mail.RecipientAddresses)} through {mail.Server}", $"Send '{NotificationMessage.Subject(facts, mail)}'"))
            {
                return;
            }

            // Someone waits for this cmdlet: quick retries, unless -RetrySeconds asks for the unattended window.
            var policy = RetrySeconds is null ? RetryPolicy.Quick(mail) : RetryPolicy.Patient(mail, mail.RetryWindow);
            var result = Run((reporter, ct) => SmtpNotifier.NotifyAsync(mail, facts, policy, reporter, ct));
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

    private NotificationFacts FactsFromDetails(ScorecardSettings settings)
    {
        var details = Unwrap(Details) switch
        {
            null => new Dictionary<string, object?>(),
            string json => NotificationFacts.ParseUpstreamJson(json),
            // Get-Content without -Raw: the lines of one JSON document.
            object[] lines when lines.All(l => Unwrap(l) is string) => NotificationFacts.ParseUpstreamJson(string.Join("\n", lines.Select(Unwrap))),
            var value => AsPairs(Details) is { } pairs ? pairs.ToDictionary(p => p.Key, p => AsPairs(p.Value) is { } nested ? nested.Select(n => KeyValuePair.Create(n.Key, Unwrap(n.Value))).ToList() : Unwrap(p.Value), StringComparer.Ordinal)
                : throw new ScorecardException(ScorecardErrors.InvalidDetails,
                    $"-Details takes the JSON string send-backup-notification.js takes, or a hashtable or object with its keys, not a {value.GetType().Name}."),
        };
        if (ErrorMessage is not null)
        {
            details = new Dictionary<string, object?>(details) { ["error"] = ErrorMessage };
        }

        var facts = NotificationFacts.FromUpstreamDetails(Status == NotificationStatus.Success, details);
        return Status == NotificationStatus.Failure ? BackupNotifications.WithRunContext(facts, settings, CurrentDirectory) : facts;
    }

    /// <summary>A dictionary's entries or a PSCustomObject's properties (ConvertFrom-Json), else null.</summary>
    private static IEnumerable<KeyValuePair<string, object?>>? AsPairs(object? value) => value switch
    {
        PSObject { BaseObject: PSCustomObject } custom => custom.Properties.Select(p => KeyValuePair.Create(p.Name, (object?)p.Value)),
        _ => Unwrap(value) is IDictionary dictionary
            ? dictionary.Cast<DictionaryEntry>().Select(e => KeyValuePair.Create(e.Key.ToString()!, e.Value))
            : null,
    };

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
