using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>
/// Sends mail with MailKit: the configured security mode (never a silent plain-text fallback), certificate validation
/// on, and retries of what may pass later: socket errors, time-outs and a connection dropped before the final dot
/// left, and every 4xx reply (to MAIL, AUTH, RCPT, or the message itself: a 4xx to the final dot means the server did
/// not take it). Once the final dot may have reached the server nothing is sent again, to avoid a duplicate. Every
/// recipient the server accepts gets the mail; a refused one is a warning, and only refusing them all fails. A
/// notification too big for the server is shortened to its limit and sent, rather than lost.
/// </summary>
public static class SmtpNotifier
{
    /// <summary>What a shortened mail is cut to when the server refused it as too big without saying its limit.</summary>
    private const long UnstatedLimit = 512 * 1024;

    public static async Task<NotificationResult> NotifyAsync(MailSettings settings, NotificationFacts facts, RetryPolicy policy, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var delivery = new SmtpDelivery(settings, NotificationMessage.Build(facts, settings), policy, reporter);
        try
        {
            return await delivery.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.SmtpMessageTooBig
                                           && NotificationMessage.BuildToFit(facts, settings, delivery.SizeLimit ?? UnstatedLimit) is { } shortened)
        {
            reporter.Warning($"{e.Message} The mail is sent shortened to fit: its details and log lines are cut, and it says so.");
            return await new SmtpDelivery(settings, shortened, policy, reporter).RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static Task<NotificationResult> SendAsync(MailSettings settings, MimeMessage message, RetryPolicy policy, IOperationReporter reporter, CancellationToken cancellationToken) =>
        new SmtpDelivery(settings, message, policy, reporter).RunAsync(cancellationToken);

    /// <summary>Which port wants which SMTP_SECURITY, for advice that names both.</summary>
    internal const string SubmissionPorts = "587 for StartTls, 465 for SslOnConnect";

    /// <summary>What to do when SMTP_SECURITY=StartTls and the server does not offer STARTTLS.</summary>
    internal const string StartTlsNotOfferedAdvice = "Port 587 normally offers STARTTLS; port 465 wants SMTP_SECURITY=SslOnConnect.";

    /// <summary>What to do when SMTP_USER is set and the server, its TLS done, offers no login.</summary>
    internal static string NoAuthenticationAdvice(MailSettings settings) =>
        $"{settings.Server} offers no authentication on this port{(settings.Security == SmtpSecurity.None ? string.Empty : $" (after {settings.Security}, which worked)")}, " +
        "but SMTP_USER is set. Remove SMTP_USER and SMTP_PASS if the server takes mail from this machine without a login; " +
        $"otherwise use its submission port ({SubmissionPorts}).";
}
