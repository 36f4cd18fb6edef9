using SalesScorecard.Backup;
using SalesScorecard.Settings;

namespace SalesScorecard.Mail;

/// <summary>
/// The -Notify step of the backup cmdlets: mail never decides a backup's outcome. A send failure becomes a warning, a
/// log line and the outcome text ("Sent", "Sent; not to ...", "Failed: ...", "Skipped: not configured ...").
/// Nobody is waiting for these runs, so a deferred mail is retried for SMTP_RETRY_SECONDS.
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
                var policy = RetryPolicy.Patient(mail, mail.RetryWindow);
                var result = await SmtpNotifier.NotifyAsync(mail, facts, policy, reporter, cancellationToken).ConfigureAwait(false);
                outcome = result.RefusedRecipients.Count == 0 ? "Sent" : $"Sent; not to {string.Join("; ", result.RefusedRecipients)}";
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

    /// <summary>The database a failure is about, for its mail (never the password); null when DATABASE_URL is unusable.</summary>
    public static string? DescribeDatabase(ScorecardSettings settings)
    {
        try
        {
            return settings.GetDatabaseUrl().Describe();
        }
        catch (ScorecardException)
        {
            return null;
        }
    }

    /// <summary>
    /// Send-BackupNotification -Status Failure: upstream's details, with what the module knows besides (the database,
    /// and backup.log's newest run when it has just failed).
    /// </summary>
    public static NotificationFacts WithRunContext(NotificationFacts facts, ScorecardSettings settings, string currentDirectory)
    {
        IReadOnlyList<string> latestRun;
        try
        {
            latestRun = new BackupLog(settings.GetPath(SettingNames.BackupDir, currentDirectory)!).LatestRun(20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ScorecardException)
        {
            latestRun = [];
        }

        return facts.WithRunContext(DescribeDatabase(settings), latestRun, DateTime.UtcNow);
    }
}
