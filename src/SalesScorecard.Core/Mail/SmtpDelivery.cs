using System.Diagnostics;
using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>
/// One message's delivery over the attempts the policy allows: who has it, who refused it for good, who is still
/// deferred (a retry goes only to those), and the failure that ended the last attempt.
/// </summary>
internal sealed class SmtpDelivery(MailSettings settings, MimeMessage message, RetryPolicy policy, IOperationReporter reporter)
{
    private readonly List<MailboxAddress> _delivered = [];
    private readonly List<SmtpRefusal> _refused = [];
    private List<SmtpRefusal> _deferred = [];
    private List<MailboxAddress> _pending = settings.Recipients.ToList();
    private ScorecardException? _failure;
    private bool _offersAuthentication;
    private bool _warnedExpired;
    private int _attempt;

    /// <summary>The server's limit in bytes when it refused the message as too big and said (or announced) its limit.</summary>
    public long? SizeLimit { get; private set; }

    public async Task<NotificationResult> RunAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            _attempt++;
            reporter.Progress("Sending", $"Attempt {_attempt} to {settings.Server}", policy.Percent(watch.Elapsed));
            var transient = await AttemptAsync(cancellationToken).ConfigureAwait(false);
            var delay = policy.Delay(_attempt);
            if (_failure is null || !transient || !policy.MayRetry(_attempt, watch.Elapsed + delay))
            {
                break;
            }

            reporter.Verbose($"Attempt {_attempt} failed ({_failure.ErrorId}: {_failure.Message}); trying again in {delay.TotalSeconds:0.#} s.");
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        return Outcome(watch.Elapsed);
    }

    /// <summary>One connection to the recipients still pending; returns whether another attempt may help.</summary>
    private async Task<bool> AttemptAsync(CancellationToken cancellationToken)
    {
        using var session = new SmtpSession(settings);
        try
        {
            var refusals = await session.SendAsync(message, _pending, cancellationToken).ConfigureAwait(false);
            _delivered.AddRange(_pending.Where(r => refusals.All(x => x.Mailbox != r)));
            _refused.AddRange(refusals.Where(r => r.Permanent));
            _deferred = refusals.Where(r => !r.Permanent).ToList();
            _pending = _deferred.Select(r => r.Mailbox).ToList();
            _failure = _deferred.Count == 0 ? null : SmtpFailures.Deferred(settings, $"RCPT TO {string.Join(", ", _deferred)}");
            return _deferred.Count > 0;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            bool transient;
            (_failure, transient) = e is ScorecardException known ? (known, false) : SmtpFailures.Classify(e, settings, session);
            if (_failure.Error == ScorecardErrors.SmtpMessageTooBig && e is MailKit.Net.Smtp.SmtpCommandException command)
            {
                SizeLimit = SmtpFailures.SizeLimit(command, session);
            }

            return transient;
        }
        finally
        {
            _offersAuthentication |= session.OffersAuthentication;
            WarnOfExpiredPin(session.Tls);
        }
    }

    private void WarnOfExpiredPin(TlsObservation tls)
    {
        if (tls.PinnedButExpired && !_warnedExpired)
        {
            _warnedExpired = true;
            reporter.Warning(tls.ExpiredPinWarning(settings.Server));
        }
    }

    /// <summary>The result when anyone got the mail (a warning names who did not), else the failure.</summary>
    private NotificationResult Outcome(TimeSpan elapsed)
    {
        if (_delivered.Count == 0)
        {
            throw _failure is null ? SmtpFailures.AllRefused(settings, _refused, _offersAuthentication) : SmtpFailures.GaveUp(_failure, _attempt, elapsed, policy);
        }

        var missed = _refused.Select(r => r.ToString())
            .Concat(_pending.Select(p => _deferred.FirstOrDefault(d => d.Mailbox == p) is { } deferred
                ? $"{deferred}, deferred until the retries ran out"
                : $"{p.Address} (not delivered: {_failure?.ErrorId})"))
            .ToList();
        if (missed.Count > 0)
        {
            reporter.Warning($"The mail went to {string.Join(", ", _delivered.Select(d => d.Address))}, but not to {string.Join("; ", missed)}. {MissedAdvice()}");
        }

        return new NotificationResult
        {
            Sent = true,
            Recipients = new(_delivered.Select(r => r.Address).ToList()),
            RefusedRecipients = new(missed),
            Subject = message.Subject ?? string.Empty,
            MessageId = message.MessageId,
            Server = settings.Server,
            Attempts = _attempt,
            DurationSeconds = Math.Round(elapsed.TotalSeconds, 3),
        };
    }

    /// <summary>A permanent refusal blames the login, the sender or the address; a 4xx is the server's, to try later.</summary>
    private string MissedAdvice()
    {
        var advice = new List<string>();
        if (_refused.Any(r => SmtpReplies.WantsLogin(settings, _offersAuthentication, r.Code, r.Reply)))
        {
            advice.Add($"The server wants a login: {SmtpFailures.LoginAdvice}");
        }
        else if (_refused.Any(r => r.BlamesSender))
        {
            advice.Add("The server blames the sender: check SMTP_FROM.");
        }
        else if (_refused.Count > 0)
        {
            advice.Add("Check BACKUP_NOTIFICATION_EMAIL.");
        }

        if (_pending.Count > 0)
        {
            advice.Add("A 4xx reply or a failed attempt is the server's to clear: try again later; it is not a setting to change.");
        }

        return string.Join(" ", advice);
    }
}
