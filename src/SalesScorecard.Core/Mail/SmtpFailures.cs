using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SalesScorecard.Mail;

/// <summary>Turns a failed attempt into the error an admin can act on, and says whether another attempt may help.</summary>
internal static class SmtpFailures
{
    private const string MayBeDelivered = "it may have been delivered. Not sent again, to avoid a duplicate.";

    private const string SenderAdvice = "Set SMTP_FROM to an address the account may send as (SendGrid: a verified sender; Gmail: the account's own address).";

    /// <summary>What to do when the server wants a login that is not configured.</summary>
    public const string LoginAdvice =
        "Set SMTP_USER and SMTP_PASS (check the names in the .env: SMTP_USERNAME or SMTP_PASSWORD are not read).";

    public static (ScorecardException Failure, bool Transient) Classify(Exception e, MailSettings settings, SmtpSession session)
    {
        var server = settings.Server;
        ScorecardException Error(ScorecardError error, string message) => new(error, message, server, e);

        if (e is OperationCanceledException or TimeoutException)
        {
            return (TimedOut(settings, session.Stage, e), session.Stage != SmtpStage.MessageSent);
        }

        return e switch
        {
            SslHandshakeException => (Error(ScorecardErrors.SmtpTlsFailed, session.Tls.Describe(server, settings)), false),
            NotSupportedException when session.Stage == SmtpStage.Authenticating =>
                (Error(ScorecardErrors.SmtpAuthenticationNotOffered, SmtpNotifier.NoAuthenticationAdvice(settings)), false),
            NotSupportedException when settings.Security == SmtpSecurity.StartTls =>
                (Error(ScorecardErrors.SmtpTlsFailed,
                    $"{server} does not offer STARTTLS, and mail is never sent in plain text without SMTP_SECURITY=None. " +
                    SmtpNotifier.StartTlsNotOfferedAdvice), false),
            AuthenticationException { InnerException: SmtpCommandException command } when SmtpReplies.IsTemporary(command) =>
                (Deferred(settings, $"{(int)command.StatusCode} {command.Message} to AUTH", e), true),
            AuthenticationException =>
                (Error(ScorecardErrors.SmtpAuthenticationFailed,
                    $"{server} refused the login of '{settings.User}': {e.Message.TrimEnd('.')}. Gmail needs a 16-character App Password " +
                    "(not the account password); SendGrid's SMTP_USER is literally 'apikey' and SMTP_PASS the API key."), false),
            // MailKit's answer to a 530 at MAIL FROM ("530 5.7.0 Authentication Required").
            ServiceNotAuthenticatedException when settings.User is null =>
                (LoginRequired(settings, $"530 {e.Message.TrimEnd('.')}", Describe(session.Stage), e), false),
            SmtpCommandException command when session.Stage == SmtpStage.Connecting =>
                (Error(ScorecardErrors.SmtpNotReachable,
                    $"{server} answered {(int)command.StatusCode} {command.Message.TrimEnd('.')} when connecting: it is busy or not accepting mail now."), SmtpReplies.IsTemporary(command)),
            SmtpCommandException command when SmtpReplies.IsTemporary(command) =>
                (Deferred(settings, $"{(int)command.StatusCode} {command.Message} to {Command(command, session)}", e), true),
            SmtpCommandException command => (Refused(command, settings, session), false),
            SocketException or IOException or SmtpProtocolException when session.Stage == SmtpStage.MessageSent =>
                (Error(ScorecardErrors.SmtpSendFailed,
                    $"The connection to {server} broke after the whole message was sent ({e.Message.TrimEnd('.')}); {MayBeDelivered}"), false),
            SocketException or IOException or SmtpProtocolException when session.Stage == SmtpStage.Message =>
                (Error(ScorecardErrors.SmtpSendFailed,
                    $"The connection to {server} broke before the final dot had left ({e.Message.TrimEnd('.')}); it cannot have been delivered."), true),
            SocketException or IOException or SmtpProtocolException =>
                (Error(ScorecardErrors.SmtpNotReachable,
                    $"Cannot talk to {server}: {e.Message.TrimEnd('.')}. Check SMTP_HOST and SMTP_PORT ({SmtpNotifier.SubmissionPorts})."), true),
            _ => (Error(ScorecardErrors.SmtpSendFailed, $"Sending through {server} failed: {e.Message}"), false),
        };
    }

    /// <summary>A 5xx to MAIL FROM or to the message, read by its enhanced status code: size, login, sender, or the message.</summary>
    private static ScorecardException Refused(SmtpCommandException command, MailSettings settings, SmtpSession session)
    {
        var code = (int)command.StatusCode;
        var reply = $"{code} {command.Message}";
        var atSender = command.ErrorCode == SmtpErrorCode.SenderNotAccepted;
        if ((atSender || command.ErrorCode == SmtpErrorCode.MessageNotAccepted) && SmtpReplies.IsTooBig(code, command.Message))
        {
            return TooBig(settings, reply, SizeLimit(command, session), session.MessageSize, command);
        }

        if (SmtpReplies.WantsLogin(settings, session.OffersAuthentication, code, command.Message))
        {
            return LoginRequired(settings, reply, Command(command, session), command);
        }

        // X.1.x is the address, X.7.x the account's policy (send-as rights); a reply without an enhanced code says nothing more.
        return atSender && SmtpReplies.Enhanced(command.Message) is null or ['1', ..] or ['7', ..]
            ? new ScorecardException(ScorecardErrors.SmtpSenderRejected,
                $"{settings.Server} refused the sender {settings.From.Address} ({reply}). {SenderAdvice}", settings.Server, command)
            : new ScorecardException(ScorecardErrors.SmtpSendFailed,
                $"{settings.Server} refused {(atSender ? "MAIL FROM" : "the message")} ({reply}).", settings.Server, command);
    }

    /// <summary>The server's limit: the SIZE of its EHLO, else a number its refusal names.</summary>
    public static long? SizeLimit(SmtpCommandException command, SmtpSession session) => session.MaxSize ?? SmtpReplies.NamedSize(command.Message);

    private static ScorecardException TooBig(MailSettings settings, string reply, long? limit, long? size, Exception inner) =>
        new(ScorecardErrors.SmtpMessageTooBig,
            $"{settings.Server} refused the message as too big ({reply}): " +
            (limit is { } max ? $"it takes at most {max:N0} bytes" : "it did not say its limit") +
            (size is { } bytes ? $", and the message is {bytes:N0} bytes." : "."), settings.Server, inner);

    public static ScorecardException LoginRequired(MailSettings settings, string reply, string command, Exception? inner = null) =>
        new(ScorecardErrors.SmtpLoginRequired,
            $"{settings.Server} wants a login: it offers AUTH and answered {reply} to {command}, and SMTP_USER is empty. {LoginAdvice}", settings.Server, inner);

    private static ScorecardException TimedOut(MailSettings settings, SmtpStage stage, Exception e)
    {
        var server = settings.Server;
        var seconds = $"{settings.Timeout.TotalSeconds:0} s";
        return stage switch
        {
            SmtpStage.MessageSent => new(ScorecardErrors.SmtpSendFailed,
                $"{server} gave no reply within {seconds} (SMTP_TIMEOUT_SECONDS) after the whole message was sent; {MayBeDelivered}", server, e),
            SmtpStage.Connecting => new(ScorecardErrors.SmtpNotReachable,
                $"{server} did not answer within {seconds} (SMTP_TIMEOUT_SECONDS). Check SMTP_HOST and SMTP_PORT, and that a firewall lets this machine reach it; " +
                "raise SMTP_TIMEOUT_SECONDS if the server is only slow.", server, e),
            _ => new(ScorecardErrors.SmtpNotReachable,
                $"{server} gave no reply within {seconds} during {Describe(stage)}: SMTP_TIMEOUT_SECONDS is the wait for each reply, raise it for a slow server. " +
                "The message was not complete, so nothing was delivered.", server, e),
        };
    }

    /// <summary>The last failure, saying how long it was retried when the server kept deferring.</summary>
    public static ScorecardException GaveUp(ScorecardException failure, int attempts, TimeSpan elapsed, RetryPolicy policy) =>
        failure.Error != ScorecardErrors.SmtpDeferred
            ? failure
            : new ScorecardException(ScorecardErrors.SmtpDeferred,
                $"{failure.Message} Still deferred after {attempts} attempt(s) in {elapsed.TotalSeconds:0} s" +
                (policy.OneDeadline ? "; the nightly -Notify retries for SMTP_RETRY_SECONDS." : " (SMTP_RETRY_SECONDS)."), failure.Target, failure.InnerException);

    public static ScorecardException Deferred(MailSettings settings, string reply, Exception? inner = null) =>
        new(ScorecardErrors.SmtpDeferred,
            $"{settings.Server} deferred the message: {reply}. A 4xx reply asks to try again later (greylisting, a busy or full server); it is not a setting to change.",
            settings.Server, inner);

    /// <summary>Every recipient refused for good: the server's reply says whether a login, the sender or the addresses are to blame.</summary>
    public static ScorecardException AllRefused(MailSettings settings, IReadOnlyList<SmtpRefusal> refused, bool offersAuthentication)
    {
        if (refused.FirstOrDefault(r => SmtpReplies.WantsLogin(settings, offersAuthentication, r.Code, r.Reply)) is { } login)
        {
            return LoginRequired(settings, $"{login.Code} {login.Reply}", "RCPT TO");
        }

        return refused.FirstOrDefault(r => r.BlamesSender) is { } sender
            ? new(ScorecardErrors.SmtpSenderRejected,
                $"{settings.Server} refused the sender {settings.From.Address} ({sender.Code} {sender.Reply}). {SenderAdvice}", settings.Server)
            : new(ScorecardErrors.SmtpRecipientRejected,
                $"{settings.Server} refused every recipient: {string.Join("; ", refused)}. Check BACKUP_NOTIFICATION_EMAIL.", settings.Server);
    }

    private static string Describe(SmtpStage stage) => stage switch
    {
        SmtpStage.Authenticating => "the login",
        SmtpStage.Envelope => "MAIL FROM and RCPT TO",
        _ => "the message",
    };

    private static string Command(SmtpCommandException command, SmtpSession session) => command.ErrorCode switch
    {
        SmtpErrorCode.SenderNotAccepted => "MAIL FROM",
        SmtpErrorCode.RecipientNotAccepted => "RCPT TO",
        _ when session.Stage is SmtpStage.Message or SmtpStage.MessageSent => "the message (after DATA)",
        _ => "DATA",
    };
}
