using SalesScorecard.Backup;
using SalesScorecard.Settings;

namespace SalesScorecard.Mail;

/// <summary>
/// The -Notify step of the backup cmdlets: mail never decides a backup's outcome. A send failure becomes a warning, a
/// log line and the outcome text ("Sent", "Failed: ...", "Skipped: not configured ...").
/// </summary>
public static class BackupNotifications
{
    public static async Task<string> NotifyAsync(
        ScorecardSettings settings,
        string currentDirectory,
        NotificationFacts facts,
        BackupLog? log,
        IOperationReporter reporter,
        CancellationToken cancellationToken)
    {
        string outcome;
        var missing = MailSettings.MissingKeys(settings);
        if (missing.Count > 0)
        {
            outcome = $"Skipped: not configured ({string.Join(" and ", missing)} not set)";
            reporter.Warning(MailSettings.NotConfiguredWarning(missing));
        }
        else
        {
            try
            {
                var mail = MailSettings.Load(settings, currentDirectory);
                var result = await SmtpNotifier.NotifyAsync(mail, facts, reporter, cancellationToken).ConfigureAwait(false);
                outcome = "Sent";
                reporter.Verbose($"Notification sent to {string.Join(", ", result.Recipients)} through {result.Server} ({result.Attempts} attempt(s)).");
            }
            catch (ScorecardException e)
            {
                outcome = $"Failed: {e.ErrorId}: {e.Message}";
                reporter.Warning($"The notification was not sent ({e.ErrorId}): {e.Message}");
            }
        }

        log?.TryWrite("NOTIFY", outcome);
        return outcome;
    }
}
