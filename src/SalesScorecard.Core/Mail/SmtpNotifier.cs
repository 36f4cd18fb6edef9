using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>
/// Sends mail with MailKit: the configured security mode (never a silent plain-text fallback), certificate validation
/// on, one deadline for the whole send, and up to three attempts on transient failures (socket errors, timeouts
/// before DATA, 4xx replies). A failure after DATA began is never retried: the mail may have been delivered.
/// </summary>
public static class SmtpNotifier
{
    public const int MaxAttempts = 3;

    public static Task<NotificationResult> NotifyAsync(MailSettings settings, NotificationFacts facts, IOperationReporter reporter, CancellationToken cancellationToken) =>
        SendAsync(settings, NotificationMessage.Build(facts, settings), reporter, cancellationToken);

    public static async Task<NotificationResult> SendAsync(MailSettings settings, MimeMessage message, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.Timeout);
        for (var attempt = 1; ; attempt++)
        {
            var session = new SmtpSession(settings);
            try
            {
                reporter.Progress("Sending", $"Attempt {attempt} to {settings.Server}", (attempt - 1) * 100 / MaxAttempts);
                var messageId = await session.SendAsync(message, deadline.Token).ConfigureAwait(false);
                return new NotificationResult
                {
                    Sent = true,
                    Recipients = settings.RecipientAddresses.ToList(),
                    Subject = message.Subject ?? string.Empty,
                    MessageId = messageId,
                    Server = settings.Server,
                    Attempts = attempt,
                    Duration = watch.Elapsed,
                };
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not ScorecardException)
            {
                var (failure, transient) = Classify(e, settings, session, deadline.IsCancellationRequested);
                if (!transient || attempt == MaxAttempts || deadline.IsCancellationRequested)
                {
                    throw failure;
                }

                // Exponential backoff with jitter, so several hosts retrying at once do not retry in step.
                var delay = TimeSpan.FromMilliseconds((500 << (attempt - 1)) + Random.Shared.Next(0, 250));
                reporter.Verbose($"Attempt {attempt} failed ({failure.Message}); trying again in {delay.TotalSeconds:0.0} s.");
                try
                {
                    await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw failure;
                }
            }
            finally
            {
                session.Dispose();
            }
        }
    }

    /// <summary>Turns a failed attempt into the error an admin can act on, and says whether another attempt may help.</summary>
    private static (ScorecardException Failure, bool Transient) Classify(Exception e, MailSettings settings, SmtpSession session, bool timedOut)
    {
        var server = settings.Server;
        ScorecardException Error(string id, ScorecardErrorCategory category, string message) => new(id, category, message, server, e);

        if (timedOut || e is OperationCanceledException or TimeoutException)
        {
            return session.DataStarted
                ? (Error("SmtpSendFailed", ScorecardErrorCategory.OperationTimeout,
                    $"{server} stopped answering after the message was sent; it may have been delivered. Not sent again, to avoid a duplicate."), false)
                : (Error("SmtpNotReachable", ScorecardErrorCategory.ConnectionError,
                    $"{server} did not answer within {settings.Timeout.TotalSeconds:0} s (SMTP_TIMEOUT_SECONDS). Check SMTP_HOST and SMTP_PORT, and that a firewall lets this machine reach it."), true);
        }

        return e switch
        {
            SslHandshakeException => (Error("SmtpTlsFailed", ScorecardErrorCategory.SecurityError, session.Tls.Describe(server, settings)), false),
            NotSupportedException when settings.Security == SmtpSecurity.StartTls =>
                (Error("SmtpTlsFailed", ScorecardErrorCategory.SecurityError,
                    $"{server} does not offer STARTTLS, and mail is never sent in plain text without SMTP_SECURITY=None. " +
                    "Port 587 normally offers STARTTLS; port 465 wants SMTP_SECURITY=SslOnConnect."), false),
            AuthenticationException =>
                (Error("SmtpAuthenticationFailed", ScorecardErrorCategory.AuthenticationError,
                    $"{server} refused the login of '{settings.User}': {e.Message.TrimEnd('.')}. Gmail needs a 16-character App Password " +
                    "(not the account password); SendGrid's SMTP_USER is literally 'apikey' and SMTP_PASS the API key."), false),
            SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } command =>
                (Error("SmtpSenderRejected", ScorecardErrorCategory.InvalidArgument,
                    $"{server} refused the sender {settings.From.Address} ({(int)command.StatusCode} {command.Message}). " +
                    "Set SMTP_FROM to an address the account may send as (SendGrid: a verified sender)."), IsTransient(command)),
            SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } command =>
                (Error("SmtpRecipientRejected", ScorecardErrorCategory.InvalidArgument,
                    $"{server} refused the recipient {command.Mailbox?.Address} ({(int)command.StatusCode} {command.Message}). Check BACKUP_NOTIFICATION_EMAIL."),
                    IsTransient(command)),
            SmtpCommandException command when !session.Connected =>
                (Error("SmtpNotReachable", ScorecardErrorCategory.ConnectionError,
                    $"{server} answered {(int)command.StatusCode} {command.Message.TrimEnd('.')} when connecting: it is busy or not accepting mail now."), IsTransient(command)),
            SmtpCommandException command =>
                (Error("SmtpSendFailed", ScorecardErrorCategory.InvalidOperation,
                    $"{server} refused the message ({(int)command.StatusCode} {command.Message})."), IsTransient(command)),
            SocketException or IOException or SmtpProtocolException when session.DataStarted =>
                (Error("SmtpSendFailed", ScorecardErrorCategory.ConnectionError,
                    $"The connection to {server} broke after the message was sent ({e.Message}); it may have been delivered. Not sent again, to avoid a duplicate."), false),
            SocketException or IOException or SmtpProtocolException =>
                (Error("SmtpNotReachable", ScorecardErrorCategory.ConnectionError,
                    $"Cannot talk to {server}: {e.Message.TrimEnd('.')}. Check SMTP_HOST and SMTP_PORT (587 for STARTTLS, 465 for SslOnConnect)."), true),
            _ => (Error("SmtpSendFailed", ScorecardErrorCategory.InvalidOperation, $"Sending through {server} failed: {e.Message}"), false),
        };
    }

    private static bool IsTransient(SmtpCommandException command) => (int)command.StatusCode is >= 400 and < 500;

    /// <summary>One connection: connect, authenticate, send. Records the TLS handshake and whether DATA began.</summary>
    private sealed class SmtpSession(MailSettings settings) : IDisposable, ITransferProgress
    {
        private readonly SmtpClient _client = new();

        public TlsObservation Tls { get; } = new(settings.TrustedCertificateSha256);

        public bool DataStarted { get; private set; }

        /// <summary>Whether the greeting, EHLO and TLS are done: a refusal before that is the server's, not the message's.</summary>
        public bool Connected { get; private set; }

        public async Task<string?> SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            await ConnectAsync(_client, settings, Tls, socket: null, cancellationToken).ConfigureAwait(false);
            Connected = true;
            if (settings.User is not null)
            {
                await _client.AuthenticateAsync(settings.User, settings.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            await _client.SendAsync(message, cancellationToken, this).ConfigureAwait(false);
            try
            {
                await _client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SocketException or OperationCanceledException)
            {
                // The server accepted the message; how the goodbye went changes nothing.
            }

            return message.MessageId;
        }

        public void Report(long bytesTransferred, long totalSize) => DataStarted = true;

        public void Report(long bytesTransferred) => DataStarted = true;

        public void Dispose() => _client.Dispose();
    }

    /// <summary>
    /// Connects with the configured security and certificate checks; the staged probe of Test-SmtpSettings hands in
    /// the socket it connected itself.
    /// </summary>
    internal static Task ConnectAsync(SmtpClient client, MailSettings settings, TlsObservation tls, Socket? socket, CancellationToken cancellationToken)
    {
        client.Timeout = (int)settings.Timeout.TotalMilliseconds;
        client.ServerCertificateValidationCallback = tls.Validate;
        return socket is null
            ? client.ConnectAsync(settings.Host, settings.Port, ToMailKit(settings.Security), cancellationToken)
            : client.ConnectAsync(socket, settings.Host, settings.Port, ToMailKit(settings.Security), cancellationToken);
    }

    private static SecureSocketOptions ToMailKit(SmtpSecurity security) => security switch
    {
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };
}

/// <summary>The server certificate seen in a TLS handshake, and why it was or was not trusted.</summary>
public sealed class TlsObservation(string? trustedSha256)
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
                   "(StartTls for port 587, SslOnConnect for port 465) and SMTP_PORT.";
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
