using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>
/// Sends mail with MailKit: the configured security mode (never a silent plain-text fallback), certificate validation
/// on, and retries of what may pass later: socket errors, time-outs and a connection dropped before the message was
/// complete, and every 4xx reply (to MAIL, AUTH, RCPT, or the message itself: a 4xx to the final dot means the server
/// did not take it). Once the final dot may have reached the server nothing is sent again, to avoid a duplicate.
/// Every recipient the server accepts gets the mail; a refused one is a warning, and only refusing them all fails.
/// </summary>
public static class SmtpNotifier
{
    /// <summary>How long a server may stay silent after the connection before it is checked for speaking TLS first.</summary>
    private static readonly TimeSpan GreetingGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long the check for a TLS-first server may take.</summary>
    private static readonly TimeSpan TlsSniffLimit = TimeSpan.FromSeconds(5);

    public static Task<NotificationResult> NotifyAsync(MailSettings settings, NotificationFacts facts, RetryPolicy policy, IOperationReporter reporter, CancellationToken cancellationToken) =>
        SendAsync(settings, NotificationMessage.Build(facts, settings), policy, reporter, cancellationToken);

    public static async Task<NotificationResult> SendAsync(MailSettings settings, MimeMessage message, RetryPolicy policy, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (policy.OneDeadline)
        {
            overall.CancelAfter(settings.Timeout);
        }

        var pending = settings.Recipients.ToList();
        var delivered = new List<MailboxAddress>();
        var refused = new List<SmtpRefusal>();
        ScorecardException? failure = null;
        var attempt = 0;
        while (true)
        {
            attempt++;
            bool transient;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
            deadline.CancelAfter(settings.Timeout);
            using var session = new SmtpSession(settings);
            try
            {
                reporter.Progress("Sending", $"Attempt {attempt} to {settings.Server}", policy.Percent(watch.Elapsed));
                var refusals = await session.SendAsync(message, pending, deadline.Token).ConfigureAwait(false);
                delivered.AddRange(pending.Where(r => refusals.All(x => x.Mailbox != r)));
                refused.AddRange(refusals.Where(r => r.Permanent));
                var deferred = refusals.Where(r => !r.Permanent).ToList();
                pending = deferred.Select(r => r.Mailbox).ToList();
                failure = deferred.Count == 0 ? null : Deferred(settings, $"RCPT TO {string.Join(", ", deferred)}");
                transient = deferred.Count > 0;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                (failure, transient) = e is ScorecardException known ? (known, false) : Classify(e, settings, session, deadline.IsCancellationRequested);
            }

            if (failure is null)
            {
                break;
            }

            var delay = policy.Delay(attempt);
            if (!transient || !policy.MayRetry(attempt, watch.Elapsed + delay) || overall.IsCancellationRequested)
            {
                break;
            }

            reporter.Verbose($"Attempt {attempt} failed ({failure.ErrorId}: {failure.Message}); trying again in {delay.TotalSeconds:0.#} s.");
            try
            {
                await Task.Delay(delay, overall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        if (delivered.Count == 0)
        {
            throw failure is null ? AllRefused(settings, refused) : GaveUp(failure, attempt, watch.Elapsed, policy);
        }

        var missed = refused.Select(r => r.ToString()).Concat(pending.Select(p => $"{p.Address} (not delivered: {failure?.ErrorId})")).ToList();
        if (missed.Count > 0)
        {
            reporter.Warning($"The mail went to {string.Join(", ", delivered.Select(d => d.Address))}, but not to {string.Join("; ", missed)}. " +
                (refused.Any(r => r.BlamesSender) ? "The server blames the sender: check SMTP_FROM." : "Check BACKUP_NOTIFICATION_EMAIL."));
        }

        return new NotificationResult
        {
            Sent = true,
            Recipients = delivered.Select(r => r.Address).ToList(),
            RefusedRecipients = missed,
            Subject = message.Subject ?? string.Empty,
            MessageId = message.MessageId,
            Server = settings.Server,
            Attempts = attempt,
            Duration = watch.Elapsed,
        };
    }

    /// <summary>The last failure, saying how long it was retried when the server kept deferring.</summary>
    private static ScorecardException GaveUp(ScorecardException failure, int attempts, TimeSpan elapsed, RetryPolicy policy) =>
        failure.Error != ScorecardErrors.SmtpDeferred
            ? failure
            : new ScorecardException(ScorecardErrors.SmtpDeferred,
                $"{failure.Message} Still deferred after {attempts} attempt(s) in {elapsed.TotalSeconds:0} s" +
                (policy.OneDeadline ? "; the nightly -Notify retries for SMTP_RETRY_SECONDS." : " (SMTP_RETRY_SECONDS)."), failure.Target, failure.InnerException);

    private static ScorecardException Deferred(MailSettings settings, string reply, Exception? inner = null) =>
        new(ScorecardErrors.SmtpDeferred,
            $"{settings.Server} deferred the message: {reply}. A 4xx reply asks to try again later (greylisting, a busy or full server); it is not a setting to change.",
            settings.Server, inner);

    /// <summary>Every recipient refused for good: the server's reply says whether the sender or the addresses are to blame.</summary>
    private static ScorecardException AllRefused(MailSettings settings, IReadOnlyList<SmtpRefusal> refused) =>
        refused.FirstOrDefault(r => r.BlamesSender) is { } sender
            ? new(ScorecardErrors.SmtpSenderRejected,
                $"{settings.Server} refused the sender {settings.From.Address} ({sender.Code} {sender.Reply}). " +
                "Set SMTP_FROM to an address the account may send as (SendGrid: a verified sender; Gmail: the account's own address).", settings.Server)
            : new(ScorecardErrors.SmtpRecipientRejected,
                $"{settings.Server} refused every recipient: {string.Join("; ", refused)}. Check BACKUP_NOTIFICATION_EMAIL.", settings.Server);

    /// <summary>Turns a failed attempt into the error an admin can act on, and says whether another attempt may help.</summary>
    private static (ScorecardException Failure, bool Transient) Classify(Exception e, MailSettings settings, SmtpSession session, bool timedOut)
    {
        var server = settings.Server;
        ScorecardException Error(ScorecardError error, string message) => new(error, message, server, e);
        const string MayBeDelivered = "it may have been delivered. Not sent again, to avoid a duplicate.";

        if (timedOut || e is OperationCanceledException or TimeoutException)
        {
            return session.Stage switch
            {
                SmtpStage.MessageSent => (Error(ScorecardErrors.SmtpSendFailed,
                    $"{server} stopped answering after the whole message was sent; {MayBeDelivered}"), false),
                SmtpStage.Connecting => (Error(ScorecardErrors.SmtpNotReachable,
                    $"{server} did not answer within {settings.Timeout.TotalSeconds:0} s (SMTP_TIMEOUT_SECONDS). Check SMTP_HOST and SMTP_PORT, and that a firewall lets this machine reach it."), true),
                _ => (Error(ScorecardErrors.SmtpNotReachable,
                    $"{server} stopped answering during {Describe(session.Stage)} (SMTP_TIMEOUT_SECONDS is {settings.Timeout.TotalSeconds:0} s); the message was not complete, so nothing was delivered."), true),
            };
        }

        return e switch
        {
            SslHandshakeException => (Error(ScorecardErrors.SmtpTlsFailed, session.Tls.Describe(server, settings)), false),
            NotSupportedException when session.Stage == SmtpStage.Authenticating =>
                (Error(ScorecardErrors.SmtpAuthenticationNotOffered, NoAuthenticationAdvice(settings)), false),
            NotSupportedException when settings.Security == SmtpSecurity.StartTls =>
                (Error(ScorecardErrors.SmtpTlsFailed,
                    $"{server} does not offer STARTTLS, and mail is never sent in plain text without SMTP_SECURITY=None. " +
                    StartTlsNotOfferedAdvice), false),
            AuthenticationException { InnerException: SmtpCommandException command } when SmtpReplies.IsTemporary(command) =>
                (Deferred(settings, $"{(int)command.StatusCode} {command.Message} to AUTH", e), true),
            AuthenticationException =>
                (Error(ScorecardErrors.SmtpAuthenticationFailed,
                    $"{server} refused the login of '{settings.User}': {e.Message.TrimEnd('.')}. Gmail needs a 16-character App Password " +
                    "(not the account password); SendGrid's SMTP_USER is literally 'apikey' and SMTP_PASS the API key."), false),
            SmtpCommandException command when session.Stage == SmtpStage.Connecting =>
                (Error(ScorecardErrors.SmtpNotReachable,
                    $"{server} answered {(int)command.StatusCode} {command.Message.TrimEnd('.')} when connecting: it is busy or not accepting mail now."), SmtpReplies.IsTemporary(command)),
            SmtpCommandException command when SmtpReplies.IsTemporary(command) =>
                (Deferred(settings, $"{(int)command.StatusCode} {command.Message} to {Command(command, session)}", e), true),
            SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } command =>
                (Error(ScorecardErrors.SmtpSenderRejected,
                    $"{server} refused the sender {settings.From.Address} ({(int)command.StatusCode} {command.Message}). " +
                    "Set SMTP_FROM to an address the account may send as (SendGrid: a verified sender; Gmail: the account's own address)."), false),
            SmtpCommandException command =>
                (Error(ScorecardErrors.SmtpSendFailed,
                    $"{server} refused the message ({(int)command.StatusCode} {command.Message})."), false),
            SocketException or IOException or SmtpProtocolException when session.Stage == SmtpStage.MessageSent =>
                (Error(ScorecardErrors.SmtpSendFailed,
                    $"The connection to {server} broke after the whole message was sent ({e.Message.TrimEnd('.')}); {MayBeDelivered}"), false),
            SocketException or IOException or SmtpProtocolException when session.Stage == SmtpStage.Message =>
                (Error(ScorecardErrors.SmtpSendFailed,
                    $"The connection to {server} broke before the message was complete ({e.Message.TrimEnd('.')}); it cannot have been delivered."), true),
            SocketException or IOException or SmtpProtocolException =>
                (Error(ScorecardErrors.SmtpNotReachable,
                    $"Cannot talk to {server}: {e.Message.TrimEnd('.')}. Check SMTP_HOST and SMTP_PORT ({SubmissionPorts})."), true),
            _ => (Error(ScorecardErrors.SmtpSendFailed, $"Sending through {server} failed: {e.Message}"), false),
        };
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

    /// <summary>Which port wants which SMTP_SECURITY, for advice that names both.</summary>
    internal const string SubmissionPorts = "587 for StartTls, 465 for SslOnConnect";

    /// <summary>What to do when SMTP_SECURITY=StartTls and the server does not offer STARTTLS.</summary>
    internal const string StartTlsNotOfferedAdvice = "Port 587 normally offers STARTTLS; port 465 wants SMTP_SECURITY=SslOnConnect.";

    /// <summary>What to do when SMTP_USER is set and the server, its TLS done, offers no login.</summary>
    internal static string NoAuthenticationAdvice(MailSettings settings) =>
        $"{settings.Server} offers no authentication on this port{(settings.Security == SmtpSecurity.None ? string.Empty : $" (after {settings.Security}, which worked)")}, " +
        "but SMTP_USER is set. Remove SMTP_USER and SMTP_PASS if the server takes mail from this machine without a login; " +
        $"otherwise use its submission port ({SubmissionPorts}).";

    /// <summary>Where one attempt is: a failure's meaning depends on it.</summary>
    private enum SmtpStage
    {
        Connecting,
        Authenticating,
        Envelope,
        Message,
        MessageSent,
    }

    /// <summary>One connection: connect, authenticate, send to the given recipients; returns the ones the server refused.</summary>
    private sealed class SmtpSession(MailSettings settings) : IDisposable, ITransferProgress
    {
        private readonly RecipientTrackingClient _client = new();

        public TlsObservation Tls { get; } = new(settings.TrustedCertificateSha256);

        public SmtpStage Stage { get; private set; }

        public async Task<IReadOnlyList<SmtpRefusal>> SendAsync(MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
        {
            await ConnectAsync(_client, settings, Tls, socket: null, cancellationToken).ConfigureAwait(false);
            if (settings.User is not null)
            {
                Stage = SmtpStage.Authenticating;
                await _client.AuthenticateAsync(settings.User, settings.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            Stage = SmtpStage.Envelope;
            try
            {
                await _client.SendAsync(FormatOptions.Default, message, settings.From, recipients, cancellationToken, this).ConfigureAwait(false);
            }
            catch (SmtpCommandException e) when (e.ErrorCode == SmtpErrorCode.MessageNotAccepted && Stage == SmtpStage.Envelope && _client.Refusals.Count == recipients.Count)
            {
                // MailKit's "no recipients were accepted": each refusal, with the server's reply, says more.
            }

            try
            {
                await _client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SocketException or OperationCanceledException or TimeoutException)
            {
                // The server answered the message; how the goodbye went changes nothing.
            }

            return _client.Refusals;
        }

        // MailKit reports each write of the message: once it has handed over every byte, the final dot follows.
        public void Report(long bytesTransferred, long totalSize) => Stage = bytesTransferred >= totalSize ? SmtpStage.MessageSent : SmtpStage.Message;

        public void Report(long bytesTransferred) => Stage = SmtpStage.Message;

        public void Dispose() => _client.Dispose();
    }

    /// <summary>Goes on past a refused recipient, keeping the server's reply, so that the others still get the mail.</summary>
    private sealed class RecipientTrackingClient : SmtpClient
    {
        public List<SmtpRefusal> Refusals { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Refusals.Add(new SmtpRefusal(mailbox, (int)response.StatusCode, response.Response));
    }

    /// <summary>
    /// Connects with the configured security and certificate checks; the staged probe of Test-SmtpSettings hands in
    /// the socket it connected itself. Without SslOnConnect, a server that stays silent is checked for speaking TLS
    /// first (port 465's way), so that the mistake is named at once instead of after SMTP_TIMEOUT_SECONDS.
    /// </summary>
    internal static async Task ConnectAsync(SmtpClient client, MailSettings settings, TlsObservation tls, Socket? socket, CancellationToken cancellationToken)
    {
        client.Timeout = (int)settings.Timeout.TotalMilliseconds;
        client.ServerCertificateValidationCallback = tls.Validate;
        if (LocalHost.FullyQualifiedName is { } name)
        {
            client.LocalDomain = name;
        }

        if (settings.Security == SmtpSecurity.SslOnConnect)
        {
            await (socket is null
                ? client.ConnectAsync(settings.Host, settings.Port, SecureSocketOptions.SslOnConnect, cancellationToken)
                : client.ConnectAsync(socket, settings.Host, settings.Port, SecureSocketOptions.SslOnConnect, cancellationToken)).ConfigureAwait(false);
            return;
        }

        var own = socket is null;
        socket ??= await OpenSocketAsync(settings, cancellationToken).ConfigureAwait(false);
        try
        {
            await AwaitGreetingAsync(socket, settings, cancellationToken).ConfigureAwait(false);
            await client.ConnectAsync(socket, settings.Host, settings.Port, ToMailKit(settings.Security), cancellationToken).ConfigureAwait(false);
        }
        catch when (own)
        {
            // Until MailKit has connected over it, the socket is ours to close; a server must not wait on it.
            socket.Dispose();
            throw;
        }
    }

    private static async Task<Socket> OpenSocketAsync(MailSettings settings, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(settings.Host, settings.Port, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the greeting's first byte without reading it; names a TLS-first server that sends none.</summary>
    private static async Task AwaitGreetingAsync(Socket socket, MailSettings settings, CancellationToken cancellationToken)
    {
        var greeting = socket.ReceiveAsync(new byte[1], SocketFlags.Peek, cancellationToken).AsTask();
        if (await Task.WhenAny(greeting, Task.Delay(GreetingGrace, cancellationToken)).ConfigureAwait(false) != greeting
            && await SpeaksTlsFirstAsync(settings, cancellationToken).ConfigureAwait(false))
        {
            throw new ScorecardException(ScorecardErrors.SmtpSecurityMismatch,
                $"{settings.Server} starts with TLS and sends no plain greeting: {(settings.Port == 465 ? "port 465 expects SslOnConnect" : "it is an SslOnConnect port")}. " +
                $"Set SMTP_SECURITY=SslOnConnect (SMTP_SECURITY is {settings.Security} now).", settings.Server);
        }

        await greeting.ConfigureAwait(false);
    }

    /// <summary>Whether a second connection to the server completes a TLS handshake; nothing is sent over it.</summary>
    private static async Task<bool> SpeaksTlsFirstAsync(MailSettings settings, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TlsSniffLimit);
        try
        {
            using var socket = await OpenSocketAsync(settings, limit.Token).ConfigureAwait(false);
            await using var stream = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = settings.Host,
                // Only the handshake's shape is looked at here; the certificate is checked on the real connection.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or SocketException
                                      or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static SecureSocketOptions ToMailKit(SmtpSecurity security) => security switch
    {
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };
}

/// <summary>A recipient the server refused at RCPT TO, with its reply.</summary>
internal sealed record SmtpRefusal(MailboxAddress Mailbox, int Code, string Reply)
{
    public bool Permanent => !SmtpReplies.IsTemporary(Code);

    public bool BlamesSender => SmtpReplies.BlamesSender(Reply);

    public override string ToString() => $"{Mailbox.Address} ({Code} {Reply})";
}

/// <summary>Reading SMTP replies: RFC 3463's enhanced status codes and Postfix's wording.</summary>
internal static partial class SmtpReplies
{
    public static bool IsTemporary(int code) => code is >= 400 and < 500;

    public static bool IsTemporary(SmtpCommandException command) => IsTemporary((int)command.StatusCode);

    /// <summary>
    /// Whether a refusal blames the sender: X.1.7 and X.1.8 are the sender's address, and Postfix answers its sender
    /// restrictions at RCPT TO ("554 5.7.1 &lt;x@y&gt;: Sender address rejected: ...").
    /// </summary>
    public static bool BlamesSender(string reply) =>
        EnhancedCode().Match(reply) is { Success: true } match && match.Groups[1].Value is "1.7" or "1.8"
        || reply.Contains("Sender address rejected", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\s*[245]\.(\d{1,3}\.\d{1,3})\b")]
    private static partial Regex EnhancedCode();
}

/// <summary>The server certificate seen in a TLS handshake, and why it was or was not trusted.</summary>
internal sealed class TlsObservation(string? trustedSha256)
{
    public X509Certificate2? Certificate { get; private set; }

    public SslPolicyErrors Errors { get; private set; }

    public IReadOnlyList<string> ChainProblems { get; private set; } = [];

    public bool Pinned { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        Certificate = certificate is null ? null : new X509Certificate2(certificate);
        Errors = errors;
        ChainProblems = chain?.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList() ?? [];
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // SMTP_TRUSTED_CERT trusts exactly one certificate, by its SHA-256, whatever its chain or name.
        Pinned = trustedSha256 is not null && certificate is not null && MailSettings.Fingerprint(certificate) == trustedSha256;
        return Pinned;
    }

    public string Describe(string server, MailSettings settings)
    {
        if (Certificate is null)
        {
            return $"The TLS handshake with {server} failed before a certificate was seen. Check SMTP_SECURITY " +
                   $"({SmtpNotifier.SubmissionPorts}) and SMTP_PORT.";
        }

        var why = new List<string>();
        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            why.Add($"it is not issued for '{settings.Host}'");
        }

        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            why.Add(ChainProblems.Count > 0 ? string.Join("; ", ChainProblems) : "its chain is not trusted");
        }

        var fingerprint = MailSettings.Fingerprint(Certificate);
        var pin = settings.TrustedCertificateSha256 is { } trusted
            ? $" SMTP_TRUSTED_CERT trusts {trusted[..16]}…, which is not this certificate."
            : $" If you have checked that this is your server's own certificate, trust it with SMTP_TRUSTED_CERT={fingerprint} or its .crt file.";
        return $"{server}'s certificate is not trusted: {string.Join("; ", why)}. Subject: {Certificate.Subject}; issuer: {Certificate.Issuer}; " +
               $"valid until {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC; SHA-256 {fingerprint}.{pin}";
    }
}
