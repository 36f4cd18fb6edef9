using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SalesScorecard.Settings;
using StepOutcome = (string Status, string Detail);

namespace SalesScorecard.Mail;

/// <summary>
/// Test-SmtpSettings' staged probe: each stage runs only when the one before it passed, and says in plain words what
/// it saw. Nothing is sent unless asked: the envelope is tested with MAIL FROM and RCPT TO, then RSET, without DATA.
/// </summary>
public static class SmtpProbe
{
    private const string TryLater = "(a 4xx reply): try again later; greylisting servers defer a first attempt for minutes.";

    public static readonly string[] StepNames = ["Settings", "Dns", "Connect", "Ehlo", "Tls", "Authenticate", "Envelope", "Send"];

    public static async Task<SmtpTestResult> RunAsync(ScorecardSettings settings, string currentDirectory, IReadOnlyList<string>? recipients,
        bool sendTestMessage, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        using var probe = new Probe(settings, currentDirectory, recipients, sendTestMessage, reporter, cancellationToken);
        return await probe.RunAsync().ConfigureAwait(false);
    }

    /// <summary>One probe: what each step finds (the settings, addresses, socket, session) is kept for the steps after it.</summary>
    private sealed class Probe : IDisposable
    {
        private readonly ScorecardSettings _settings;
        private readonly string _currentDirectory;
        private readonly IReadOnlyList<string>? _recipients;
        private readonly bool _sendTestMessage;
        private readonly CancellationToken _cancellationToken;
        private readonly ProbeRun _run;
        private readonly ProbeClient _client = new();
        private readonly List<MailboxAddress> _accepted = [];
        private MailSettings? _mail;
        private TlsObservation? _tls;
        private IPAddress[] _addresses = [];
        private Socket? _socket;
        private Exception? _connectFailure;

        public Probe(ScorecardSettings settings, string currentDirectory, IReadOnlyList<string>? recipients, bool sendTestMessage,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            _settings = settings;
            _currentDirectory = currentDirectory;
            _recipients = recipients;
            _sendTestMessage = sendTestMessage;
            _cancellationToken = cancellationToken;
            _run = new ProbeRun(reporter, cancellationToken);
        }

        /// <summary>The mail settings; every step after Settings runs only when Settings passed, which sets them.</summary>
        private MailSettings Mail => _mail!;

        /// <summary>
        /// The probe's own cancellation: SMTP_TIMEOUT_SECONDS bounds the DNS look-up, the connection and then each reply
        /// (MailKit's Timeout), as when mail is sent, not the whole probe.
        /// </summary>
        private CancellationToken Token => _cancellationToken;

        public async Task<SmtpTestResult> RunAsync()
        {
            await _run.StepAsync("Settings", () => Task.FromResult(Settings())).ConfigureAwait(false);
            _tls = new TlsObservation(_mail?.TrustedCertificateSha256);
            await _run.StepAsync("Dns", DnsAsync).ConfigureAwait(false);
            await _run.StepAsync("Connect", ConnectAsync).ConfigureAwait(false);
            await _run.StepAsync("Ehlo", EhloAsync).ConfigureAwait(false);
            await _run.StepAsync("Tls", () => Task.FromResult(Tls())).ConfigureAwait(false);
            await _run.StepAsync("Authenticate", AuthenticateAsync).ConfigureAwait(false);
            await _run.StepAsync("Envelope", EnvelopeAsync).ConfigureAwait(false);
            await _run.StepAsync("Send", SendAsync).ConfigureAwait(false);
            await QuitAsync().ConfigureAwait(false);
            return _run.Result(_mail);
        }

        public void Dispose()
        {
            _socket?.Dispose();
            _client.Dispose();
        }

        private StepOutcome Settings()
        {
            var settings = _settings;
            var configuredRecipients = _recipients ?? (settings.Get(SettingNames.BackupNotificationEmail) is { } list ? MailSettings.SplitAddresses(list) : null);
            if (settings.Get(SettingNames.SmtpHost) is null)
            {
                _run.Advise("Set SMTP_HOST (Gmail: smtp.gmail.com; SendGrid: smtp.sendgrid.net).");
                return (SmtpStepStatus.Failed, "SMTP_HOST is not set.");
            }

            // Without recipients the probe still runs, checking the sender against itself.
            var mail = _mail = MailSettings.Load(settings, _currentDirectory, configuredRecipients ?? [settings.Get(SettingNames.SmtpFrom)!]);
            var notes = new List<string> { $"{mail.Server}, {mail.Security}, from {mail.From.Address}, to {string.Join(", ", mail.Recipients.Select(r => r.Address))}" };
            var status = SmtpStepStatus.Passed;
            if (configuredRecipients is null)
            {
                status = SmtpStepStatus.Warning;
                notes.Add("BACKUP_NOTIFICATION_EMAIL is not set: no notification would be sent");
                _run.Advise("Set BACKUP_NOTIFICATION_EMAIL to the addresses that should hear about backups, comma separated.");
            }

            if (mail.User is null)
            {
                notes.Add("no SMTP_USER: the login is skipped");
            }
            else if (mail.Password is null)
            {
                status = SmtpStepStatus.Warning;
                notes.Add("SMTP_USER is set but SMTP_PASS is not");
                _run.Advise("Set SMTP_PASS (Gmail: an App Password; SendGrid: the API key).");
            }

            if (mail.Security == SmtpSecurity.None)
            {
                status = SmtpStepStatus.Warning;
                notes.Add("SMTP_SECURITY=None: the password and mail travel in plain text");
                _run.Advise("Use SMTP_SECURITY=StartTls (port 587) or SslOnConnect (port 465) unless the server is on this machine.");
            }

            return (status, string.Join("; ", notes) + ".");
        }

        private async Task<StepOutcome> DnsAsync()
        {
            try
            {
                using var limit = WithinTimeout();
                _addresses = await Dns.GetHostAddressesAsync(Mail.Host, limit.Token).ConfigureAwait(false);
                return (SmtpStepStatus.Passed, $"{Mail.Host} is {string.Join(", ", _addresses.Select(a => a.ToString()))}.");
            }
            catch (SocketException e)
            {
                _run.Advise($"Check the spelling of SMTP_HOST ('{Mail.Host}') and this machine's DNS.");
                return (SmtpStepStatus.Failed, $"{Mail.Host} does not resolve: {e.Message}");
            }
        }

        private async Task<StepOutcome> ConnectAsync()
        {
            Exception? last = null;
            foreach (var address in _addresses)
            {
                var candidate = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    using var limit = WithinTimeout();
                    await candidate.ConnectAsync(address, Mail.Port, limit.Token).ConfigureAwait(false);
                    _socket = candidate;
                    return (SmtpStepStatus.Passed, $"TCP connection to {address}:{Mail.Port}.");
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    candidate.Dispose();
                    last = e;
                }
            }

            _run.Advise($"Nothing accepts connections on {Mail.Server}. Check SMTP_PORT ({SmtpNotifier.SubmissionPorts}) and any firewall.");
            return (SmtpStepStatus.Failed, $"Cannot connect to {Mail.Server}: {(last is OperationCanceledException ? "timed out" : last?.Message)}.");
        }

        private async Task<StepOutcome> EhloAsync()
        {
            var mail = Mail;
            try
            {
                await SmtpConnection.ConnectAsync(_client, mail, _tls!, _socket, Token).ConfigureAwait(false);
            }
            catch (SslHandshakeException e)
            {
                // The handshake is the Tls step's to report; with StartTls the EHLO before it was answered.
                _connectFailure = e;
                return mail.Security == SmtpSecurity.StartTls
                    ? (SmtpStepStatus.Passed, "The server greeted and answered EHLO, offering STARTTLS.")
                    : (SmtpStepStatus.Skipped, "With SslOnConnect the TLS handshake comes before EHLO.");
            }
            catch (SmtpCommandException e)
            {
                // A greeting other than 220: Postfix's "421 4.3.2 Service not available", a 554 for a blocked client.
                _run.Advise(SmtpReplies.IsTemporary(e)
                    ? "The server is busy or not accepting mail now (a 4xx greeting): try again later; the settings may be right."
                    : "The server refuses connections from this machine (a 5xx greeting): ask its administrator, or use another server.");
                return (SmtpStepStatus.Failed, $"The server answered {(int)e.StatusCode} {e.Message.TrimEnd('.')} when connecting, instead of greeting with 220.");
            }
            catch (NotSupportedException)
            {
                _run.Advise($"The server does not offer STARTTLS on this port. {SmtpNotifier.StartTlsNotOfferedAdvice}");
                return (SmtpStepStatus.Failed, "The server does not offer STARTTLS.");
            }
            catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or OperationCanceledException or TimeoutException
                                          && !_cancellationToken.IsCancellationRequested)
            {
                _run.Advise(mail.Security != SmtpSecurity.SslOnConnect && mail.Port == 465
                    ? "Port 465 expects SslOnConnect: set SMTP_SECURITY=SslOnConnect."
                    : $"The server did not speak SMTP as expected. Check SMTP_PORT and SMTP_SECURITY ({SmtpNotifier.SubmissionPorts}).");
                var timedOut = e is OperationCanceledException or TimeoutException;
                return (SmtpStepStatus.Failed, $"No SMTP greeting or EHLO answer: {(timedOut ? $"none within {mail.Timeout.TotalSeconds:0} s (SMTP_TIMEOUT_SECONDS)" : e.Message)}");
            }

            return (SmtpStepStatus.Passed, $"Capabilities: {_client.Capabilities}; login mechanisms: {Mechanisms(_client)}.");
        }

        private StepOutcome Tls()
        {
            var mail = Mail;
            if (mail.Security == SmtpSecurity.None)
            {
                return (SmtpStepStatus.Warning, "No TLS (SMTP_SECURITY=None): everything travels in plain text.");
            }

            if (_connectFailure is not null)
            {
                _run.Advise("Use SMTP_TRUSTED_CERT only for your own server's certificate; for a public provider, check SMTP_HOST matches the name in its certificate.");
                return (SmtpStepStatus.Failed, _tls!.Describe(mail.Server, mail));
            }

            var certificate = _tls!.Certificate;
            if (_tls.PinnedButExpired)
            {
                _run.Advise(_tls.ExpiredPinWarning(mail.Server));
            }

            var names = certificate?.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList() ?? [];
            return (_tls.PinnedButExpired ? SmtpStepStatus.Warning : SmtpStepStatus.Passed,
                $"{_client.SslProtocol}, {_client.SslCipherSuite}; certificate {certificate?.Subject} (names: {string.Join(", ", names)}), issuer {certificate?.Issuer}, " +
                $"valid until {certificate?.NotAfter.ToUniversalTime():yyyy-MM-dd}{(_tls.PinnedButExpired ? " (expired)" : string.Empty)}; " +
                $"{(_tls.Pinned ? "trusted by SMTP_TRUSTED_CERT" : "trusted by the system")}.");
        }

        private async Task<StepOutcome> AuthenticateAsync()
        {
            var mail = Mail;
            var offered = Mechanisms(_client);
            if (mail.User is null)
            {
                return (SmtpStepStatus.Skipped, $"No SMTP_USER; the server offers {offered}.");
            }

            try
            {
                await SmtpConnection.AuthenticateAsync(_client, mail, Token).ConfigureAwait(false);
                return (SmtpStepStatus.Passed, $"Logged in as '{mail.User}' (offered: {offered}).");
            }
            catch (AuthenticationException e) when (e.InnerException is SmtpCommandException command && SmtpReplies.IsTemporary(command))
            {
                _run.Advise("The server deferred the login (a 4xx reply): it is busy or its password service is down. Try again later; the settings may be right.");
                return (SmtpStepStatus.Failed, $"The server deferred the login of '{mail.User}': {e.Message}");
            }
            catch (AuthenticationException e)
            {
                _run.Advise(mail.Host.Contains("gmail", StringComparison.OrdinalIgnoreCase)
                    ? "Gmail refuses the account password: create a 16-character App Password (Google Account, Security, App passwords) and put it in SMTP_PASS."
                    : mail.Host.Contains("sendgrid", StringComparison.OrdinalIgnoreCase)
                        ? "SendGrid's SMTP_USER is literally 'apikey', and SMTP_PASS is the API key."
                        : "Check SMTP_USER and SMTP_PASS. Gmail needs an App Password; SendGrid's user is literally 'apikey'.");
                return (SmtpStepStatus.Failed, $"The server refused the login of '{mail.User}': {e.Message}");
            }
            catch (NotSupportedException)
            {
                var advice = SmtpNotifier.NoAuthenticationAdvice(mail);
                _run.Advise(advice);
                return (SmtpStepStatus.Failed, advice);
            }
        }

        /// <summary>MAIL FROM and RCPT TO, then RSET: the envelope is tested without DATA, so nothing is sent.</summary>
        private async Task<StepOutcome> EnvelopeAsync()
        {
            var mail = Mail;
            var from = await _client.CommandAsync($"MAIL FROM:<{mail.From.Address}>", Token).ConfigureAwait(false);
            if ((int)from.StatusCode >= 400)
            {
                await _client.CommandAsync("RSET", Token).ConfigureAwait(false);
                _run.Advise(SmtpReplies.IsTemporary((int)from.StatusCode)
                    ? $"The server deferred the sender {TryLater}"
                    : WantsLogin((int)from.StatusCode, from.Response)
                        ? $"The server wants a login before MAIL FROM. {SmtpFailures.LoginAdvice}"
                        : $"The server will not send as {mail.From.Address}: set SMTP_FROM to an address the account may use (SendGrid: a verified sender).");
                return (SmtpStepStatus.Failed, $"MAIL FROM:<{mail.From.Address}>: {(int)from.StatusCode} {from.Response}");
            }

            var replies = new List<string> { $"MAIL FROM:<{mail.From.Address}>: {(int)from.StatusCode}" };
            var refused = new List<SmtpRefusal>();
            foreach (var recipient in mail.Recipients)
            {
                var response = await _client.CommandAsync($"RCPT TO:<{recipient.Address}>", Token).ConfigureAwait(false);
                replies.Add($"RCPT TO:<{recipient.Address}>: {(int)response.StatusCode}{((int)response.StatusCode >= 400 ? $" {response.Response}" : string.Empty)}");
                if ((int)response.StatusCode >= 400)
                {
                    refused.Add(new SmtpRefusal(recipient, (int)response.StatusCode, response.Response));
                }
                else
                {
                    _accepted.Add(recipient);
                }
            }

            await _client.CommandAsync("RSET", Token).ConfigureAwait(false);
            var detail = string.Join("; ", replies) + "; RSET (nothing sent).";
            if (refused.Count == 0)
            {
                return (SmtpStepStatus.Passed, detail);
            }

            _run.Advise(refused.FirstOrDefault(r => WantsLogin(r.Code, r.Reply)) is { } login
                ? $"The server wants a login: it answered {login.Code} {login.Reply} at RCPT TO. {SmtpFailures.LoginAdvice}"
                : refused.FirstOrDefault(r => r.BlamesSender) is { } sender
                ? $"The server refuses the sender {mail.From.Address} ({sender.Code} {sender.Reply}), answering at RCPT TO: set SMTP_FROM to an address the account may send as."
                : refused.All(r => !r.Permanent)
                    ? $"The server deferred {string.Join(", ", refused.Select(r => r.Mailbox.Address))} {TryLater}"
                    : $"The server refuses {string.Join(", ", refused.Select(r => r.Mailbox.Address))}: check BACKUP_NOTIFICATION_EMAIL.");
            // Mail still reaches the accepted recipients: only refusing them all is a failure.
            return (_accepted.Count == 0 ? SmtpStepStatus.Failed : SmtpStepStatus.Warning, detail);
        }

        private bool WantsLogin(int code, string reply) => SmtpReplies.WantsLogin(Mail, _client.AuthenticationMechanisms.Count > 0, code, reply);

        private CancellationTokenSource WithinTimeout()
        {
            var limit = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
            limit.CancelAfter(Mail.Timeout);
            return limit;
        }

        private async Task<StepOutcome> SendAsync()
        {
            if (!_sendTestMessage)
            {
                return (SmtpStepStatus.Skipped, "Not asked (-SendTestMessage).");
            }

            var mail = Mail;
            var tls = _client.IsSecure ? $"{_client.SslProtocol}, {_client.SslCipherSuite}" : null;
            var message = NotificationMessage.Build(NotificationFacts.ForSmtpTest(mail, tls), mail);
            await _client.SendAsync(FormatOptions.Default, message, mail.From, _accepted, Token).ConfigureAwait(false);
            return (SmtpStepStatus.Passed, $"Sent '{message.Subject}' to {string.Join(", ", _accepted.Select(a => a.Address))} ({message.MessageId}).");
        }

        private async Task QuitAsync()
        {
            if (!_client.IsConnected)
            {
                return;
            }

            try
            {
                await _client.DisconnectAsync(quit: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException)
            {
                // The verdict is in; a server that hangs up first changes nothing.
            }
        }
    }

    private static string Mechanisms(SmtpClient client) =>
        client.AuthenticationMechanisms.Count == 0 ? "none" : string.Join(", ", client.AuthenticationMechanisms);

    /// <summary>Exposes MailKit's raw command for MAIL FROM, RCPT TO and RSET without DATA.</summary>
    private sealed class ProbeClient : SmtpClient
    {
        public Task<SmtpResponse> CommandAsync(string command, CancellationToken cancellationToken) => SendCommandAsync(command, cancellationToken);
    }

    private sealed class ProbeRun(IOperationReporter reporter, CancellationToken cancellationToken)
    {
        private readonly List<SmtpTestStep> _steps = [];
        private readonly List<string> _advice = [];
        private bool _failed;

        public void Advise(string advice) => _advice.Add(advice);

        /// <summary>Runs a step unless an earlier one failed; an unexpected error fails the step, never the probe.</summary>
        public async Task StepAsync(string name, Func<Task<StepOutcome>> step)
        {
            if (_failed)
            {
                _steps.Add(new SmtpTestStep(name, SmtpStepStatus.Skipped, 0, "Not run: an earlier step failed."));
                return;
            }

            reporter.Progress("Testing SMTP", name, _steps.Count * 100 / StepNames.Length);
            var watch = Stopwatch.StartNew();
            StepOutcome outcome;
            try
            {
                outcome = await step().ConfigureAwait(false);
            }
            catch (ScorecardException e)
            {
                Advise(e.Message);
                outcome = (SmtpStepStatus.Failed, $"{e.ErrorId}: {e.Message}");
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // A time-out (MailKit's TimeoutException or the deadline) or anything unforeseen fails the step, never the probe.
                outcome = (SmtpStepStatus.Failed, e is OperationCanceledException or TimeoutException ? "Timed out (SMTP_TIMEOUT_SECONDS)." : $"{e.GetType().Name}: {e.Message}");
            }

            _failed = outcome.Status == SmtpStepStatus.Failed;
            _steps.Add(new SmtpTestStep(name, outcome.Status, Math.Round(watch.Elapsed.TotalSeconds, 3), outcome.Detail));
            reporter.Verbose($"{name}: {outcome.Status}: {outcome.Detail}");
        }

        public SmtpTestResult Result(MailSettings? mail) => new()
        {
            Passed = !_failed,
            Host = mail?.Host,
            Port = mail?.Port,
            Security = mail?.Security.ToString(),
            Steps = new(_steps),
            Advice = new(_advice),
        };
    }
}
