using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SalesScorecard.Settings;

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
        var run = new ProbeRun(reporter, cancellationToken);
        MailSettings? mail = null;
        await run.StepAsync("Settings", () =>
        {
            var configuredRecipients = recipients ?? (settings.Get(SettingNames.BackupNotificationEmail) is { } list ? MailSettings.SplitAddresses(list) : null);
            var missingHost = settings.Get(SettingNames.SmtpHost) is null;
            if (missingHost)
            {
                run.Advise("Set SMTP_HOST (Gmail: smtp.gmail.com; SendGrid: smtp.sendgrid.net).");
                return Task.FromResult((SmtpStepStatus.Failed, "SMTP_HOST is not set."));
            }

            // Without recipients the probe still runs, checking the sender against itself.
            mail = MailSettings.Load(settings, currentDirectory, configuredRecipients ?? [settings.Get(SettingNames.SmtpFrom)!]);
            var notes = new List<string> { $"{mail.Server}, {mail.Security}, from {mail.From.Address}, to {string.Join(", ", mail.Recipients.Select(r => r.Address))}" };
            var status = SmtpStepStatus.Passed;
            if (configuredRecipients is null)
            {
                status = SmtpStepStatus.Warning;
                notes.Add("BACKUP_NOTIFICATION_EMAIL is not set: no notification would be sent");
                run.Advise("Set BACKUP_NOTIFICATION_EMAIL to the addresses that should hear about backups, comma separated.");
            }

            if (mail.User is null)
            {
                notes.Add("no SMTP_USER: the login is skipped");
            }
            else if (mail.Password is null)
            {
                status = SmtpStepStatus.Warning;
                notes.Add("SMTP_USER is set but SMTP_PASS is not");
                run.Advise("Set SMTP_PASS (Gmail: an App Password; SendGrid: the API key).");
            }

            if (mail.Security == SmtpSecurity.None)
            {
                status = SmtpStepStatus.Warning;
                notes.Add("SMTP_SECURITY=None: the password and mail travel in plain text");
                run.Advise("Use SMTP_SECURITY=StartTls (port 587) or SslOnConnect (port 465) unless the server is on this machine.");
            }

            return Task.FromResult((status, string.Join("; ", notes) + "."));
        }).ConfigureAwait(false);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(mail?.Timeout ?? TimeSpan.FromSeconds(30));
        var token = deadline.Token;
        IPAddress[] addresses = [];
        await run.StepAsync("Dns", async () =>
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(mail!.Host, token).ConfigureAwait(false);
                return (SmtpStepStatus.Passed, $"{mail.Host} is {string.Join(", ", addresses.Select(a => a.ToString()))}.");
            }
            catch (SocketException e)
            {
                run.Advise($"Check the spelling of SMTP_HOST ('{mail!.Host}') and this machine's DNS.");
                return (SmtpStepStatus.Failed, $"{mail.Host} does not resolve: {e.Message}");
            }
        }).ConfigureAwait(false);

        Socket? socket = null;
        await run.StepAsync("Connect", async () =>
        {
            Exception? last = null;
            foreach (var address in addresses)
            {
                var candidate = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await candidate.ConnectAsync(address, mail!.Port, token).ConfigureAwait(false);
                    socket = candidate;
                    return (SmtpStepStatus.Passed, $"TCP connection to {address}:{mail.Port}.");
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    candidate.Dispose();
                    last = e;
                }
            }

            run.Advise($"Nothing accepts connections on {mail!.Server}. Check SMTP_PORT ({SmtpNotifier.SubmissionPorts}) and any firewall.");
            return (SmtpStepStatus.Failed, $"Cannot connect to {mail.Server}: {(last is OperationCanceledException ? "timed out" : last?.Message)}.");
        }).ConfigureAwait(false);

        using var client = new ProbeClient();
        var tls = new TlsObservation(mail?.TrustedCertificateSha256);
        Exception? connectFailure = null;
        await run.StepAsync("Ehlo", async () =>
        {
            var settings = mail!;
            try
            {
                await SmtpNotifier.ConnectAsync(client, settings, tls, socket, token).ConfigureAwait(false);
            }
            catch (SslHandshakeException e)
            {
                // The handshake is the Tls step's to report; with StartTls the EHLO before it was answered.
                connectFailure = e;
                return settings.Security == SmtpSecurity.StartTls
                    ? (SmtpStepStatus.Passed, "The server greeted and answered EHLO, offering STARTTLS.")
                    : (SmtpStepStatus.Skipped, "With SslOnConnect the TLS handshake comes before EHLO.");
            }
            catch (NotSupportedException)
            {
                run.Advise($"The server does not offer STARTTLS on this port. {SmtpNotifier.StartTlsNotOfferedAdvice}");
                return (SmtpStepStatus.Failed, "The server does not offer STARTTLS.");
            }
            catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or OperationCanceledException or TimeoutException
                                          && !cancellationToken.IsCancellationRequested)
            {
                run.Advise(settings.Security != SmtpSecurity.SslOnConnect && settings.Port == 465
                    ? "Port 465 expects SslOnConnect: set SMTP_SECURITY=SslOnConnect."
                    : $"The server did not speak SMTP as expected. Check SMTP_PORT and SMTP_SECURITY ({SmtpNotifier.SubmissionPorts}).");
                var timedOut = e is OperationCanceledException or TimeoutException;
                return (SmtpStepStatus.Failed, $"No SMTP greeting or EHLO answer: {(timedOut ? $"none within {settings.Timeout.TotalSeconds:0} s (SMTP_TIMEOUT_SECONDS)" : e.Message)}");
            }

            return (SmtpStepStatus.Passed, $"Capabilities: {client.Capabilities}; login mechanisms: {Mechanisms(client)}.");
        }).ConfigureAwait(false);

        await run.StepAsync("Tls", () =>
        {
            if (mail!.Security == SmtpSecurity.None)
            {
                return Task.FromResult((SmtpStepStatus.Warning, "No TLS (SMTP_SECURITY=None): everything travels in plain text."));
            }

            if (connectFailure is not null)
            {
                run.Advise("Use SMTP_TRUSTED_CERT only for your own server's certificate; for a public provider, check SMTP_HOST matches the name in its certificate.");
                return Task.FromResult((SmtpStepStatus.Failed, tls.Describe(mail.Server, mail)));
            }

            var certificate = tls.Certificate;
            var names = certificate?.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList() ?? [];
            return Task.FromResult((SmtpStepStatus.Passed,
                $"{client.SslProtocol}, {client.SslCipherSuite}; certificate {certificate?.Subject} (names: {string.Join(", ", names)}), issuer {certificate?.Issuer}, " +
                $"valid until {certificate?.NotAfter.ToUniversalTime():yyyy-MM-dd}; {(tls.Pinned ? "trusted by SMTP_TRUSTED_CERT" : "trusted by the system")}."));
        }).ConfigureAwait(false);

        await run.StepAsync("Authenticate", async () =>
        {
            var offered = Mechanisms(client);
            if (mail!.User is null)
            {
                return (SmtpStepStatus.Skipped, $"No SMTP_USER; the server offers {offered}.");
            }

            try
            {
                await client.AuthenticateAsync(mail.User, mail.Password ?? string.Empty, token).ConfigureAwait(false);
                return (SmtpStepStatus.Passed, $"Logged in as '{mail.User}' (offered: {offered}).");
            }
            catch (AuthenticationException e) when (e.InnerException is SmtpCommandException command && SmtpReplies.IsTemporary(command))
            {
                run.Advise("The server deferred the login (a 4xx reply): it is busy or its password service is down. Try again later; the settings may be right.");
                return (SmtpStepStatus.Failed, $"The server deferred the login of '{mail.User}': {e.Message}");
            }
            catch (AuthenticationException e)
            {
                run.Advise(mail.Host.Contains("gmail", StringComparison.OrdinalIgnoreCase)
                    ? "Gmail refuses the account password: create a 16-character App Password (Google Account, Security, App passwords) and put it in SMTP_PASS."
                    : mail.Host.Contains("sendgrid", StringComparison.OrdinalIgnoreCase)
                        ? "SendGrid's SMTP_USER is literally 'apikey', and SMTP_PASS is the API key."
                        : "Check SMTP_USER and SMTP_PASS. Gmail needs an App Password; SendGrid's user is literally 'apikey'.");
                return (SmtpStepStatus.Failed, $"The server refused the login of '{mail.User}': {e.Message}");
            }
            catch (NotSupportedException)
            {
                var advice = SmtpNotifier.NoAuthenticationAdvice(mail);
                run.Advise(advice);
                return (SmtpStepStatus.Failed, advice);
            }
        }).ConfigureAwait(false);

        var accepted = new List<MailboxAddress>();
        await run.StepAsync("Envelope", async () =>
        {
            var from = await client.CommandAsync($"MAIL FROM:<{mail!.From.Address}>", token).ConfigureAwait(false);
            if ((int)from.StatusCode >= 400)
            {
                await client.CommandAsync("RSET", token).ConfigureAwait(false);
                run.Advise(SmtpReplies.IsTemporary((int)from.StatusCode)
                    ? $"The server deferred the sender {TryLater}"
                    : $"The server will not send as {mail.From.Address}: set SMTP_FROM to an address the account may use (SendGrid: a verified sender).");
                return (SmtpStepStatus.Failed, $"MAIL FROM:<{mail.From.Address}>: {(int)from.StatusCode} {from.Response}");
            }

            var replies = new List<string> { $"MAIL FROM:<{mail.From.Address}>: {(int)from.StatusCode}" };
            var refused = new List<SmtpRefusal>();
            foreach (var recipient in mail.Recipients)
            {
                var response = await client.CommandAsync($"RCPT TO:<{recipient.Address}>", token).ConfigureAwait(false);
                replies.Add($"RCPT TO:<{recipient.Address}>: {(int)response.StatusCode}{((int)response.StatusCode >= 400 ? $" {response.Response}" : string.Empty)}");
                if ((int)response.StatusCode >= 400)
                {
                    refused.Add(new SmtpRefusal(recipient, (int)response.StatusCode, response.Response));
                }
                else
                {
                    accepted.Add(recipient);
                }
            }

            await client.CommandAsync("RSET", token).ConfigureAwait(false);
            var detail = string.Join("; ", replies) + "; RSET (nothing sent).";
            if (refused.Count == 0)
            {
                return (SmtpStepStatus.Passed, detail);
            }

            run.Advise(refused.FirstOrDefault(r => r.BlamesSender) is { } sender
                ? $"The server refuses the sender {mail.From.Address} ({sender.Code} {sender.Reply}), answering at RCPT TO: set SMTP_FROM to an address the account may send as."
                : refused.All(r => !r.Permanent)
                    ? $"The server deferred {string.Join(", ", refused.Select(r => r.Mailbox.Address))} {TryLater}"
                    : $"The server refuses {string.Join(", ", refused.Select(r => r.Mailbox.Address))}: check BACKUP_NOTIFICATION_EMAIL.");
            // Mail still reaches the accepted recipients: only refusing them all is a failure.
            return (accepted.Count == 0 ? SmtpStepStatus.Failed : SmtpStepStatus.Warning, detail);
        }).ConfigureAwait(false);

        await run.StepAsync("Send", async () =>
        {
            if (!sendTestMessage)
            {
                return (SmtpStepStatus.Skipped, "Not asked (-SendTestMessage).");
            }

            var tls = client.IsSecure ? $"{client.SslProtocol}, {client.SslCipherSuite}" : null;
            var message = NotificationMessage.Build(NotificationFacts.ForSmtpTest(mail!, tls), mail!);
            await client.SendAsync(FormatOptions.Default, message, mail!.From, accepted, token).ConfigureAwait(false);
            return (SmtpStepStatus.Passed, $"Sent '{message.Subject}' to {string.Join(", ", accepted.Select(a => a.Address))} ({message.MessageId}).");
        }).ConfigureAwait(false);

        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(quit: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException)
            {
                // The verdict is in; a server that hangs up first changes nothing.
            }
        }

        socket?.Dispose();
        return run.Result(mail);
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
        public async Task StepAsync(string name, Func<Task<(SmtpStepStatus Status, string Detail)>> step)
        {
            if (_failed)
            {
                _steps.Add(new SmtpTestStep(name, SmtpStepStatus.Skipped, TimeSpan.Zero, "Not run: an earlier step failed."));
                return;
            }

            reporter.Progress("Testing SMTP", name, _steps.Count * 100 / StepNames.Length);
            var watch = Stopwatch.StartNew();
            (SmtpStepStatus Status, string Detail) outcome;
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
            _steps.Add(new SmtpTestStep(name, outcome.Status, watch.Elapsed, outcome.Detail));
            reporter.Verbose($"{name}: {outcome.Status}: {outcome.Detail}");
        }

        public SmtpTestResult Result(MailSettings? mail) => new()
        {
            Passed = !_failed,
            Host = mail?.Host,
            Port = mail?.Port,
            Security = mail?.Security.ToString(),
            Steps = _steps,
            Advice = _advice,
        };
    }
}
