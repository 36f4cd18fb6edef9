using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SalesScorecard.Mail;

/// <summary>
/// Connecting and logging in, for the notifier and the staged probe of Test-SmtpSettings alike. SMTP_TIMEOUT_SECONDS
/// bounds the connection with its greeting, then each reply on its own (MailKit's Timeout): a slow server that answers
/// every command is not cut off by the sum of its pauses.
/// </summary>
internal static class SmtpConnection
{
    /// <summary>How long a server may stay silent after the connection before it is checked for speaking TLS first.</summary>
    private static readonly TimeSpan GreetingGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long the check for a TLS-first server may take.</summary>
    private static readonly TimeSpan TlsSniffLimit = TimeSpan.FromSeconds(5);

    /// <summary>The mechanisms tried, best first; a server's own list decides which one is.</summary>
    private static readonly string[] Mechanisms = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN", "CRAM-MD5"];

    /// <summary>
    /// Connects with the configured security and certificate checks over a socket of its own, or the one the staged
    /// probe connected itself, and returns it. Without SslOnConnect, a server that stays silent is checked for speaking
    /// TLS first (port 465's way), so that the mistake is named at once instead of after SMTP_TIMEOUT_SECONDS.
    /// </summary>
    public static async Task<Socket> ConnectAsync(SmtpClient client, MailSettings settings, TlsObservation tls, Socket? socket, CancellationToken cancellationToken)
    {
        client.Timeout = (int)settings.Timeout.TotalMilliseconds;
        client.ServerCertificateValidationCallback = tls.Validate;
        if (LocalHost.FullyQualifiedName is { } name)
        {
            client.LocalDomain = name;
        }

        // SMTP_TIMEOUT_SECONDS for the TCP connection and the greeting's first byte.
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connecting.CancelAfter(settings.Timeout);
        var own = socket is null;
        socket ??= await OpenSocketAsync(settings, connecting.Token).ConfigureAwait(false);
        try
        {
            if (settings.Security != SmtpSecurity.SslOnConnect)
            {
                await AwaitGreetingAsync(socket, settings, connecting.Token).ConfigureAwait(false);
            }

            // From the greeting on, MailKit's Timeout bounds each reply (and the TLS handshake's reads) on its own.
            await client.ConnectAsync(socket, settings.Host, settings.Port, ToMailKit(settings.Security), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch when (own)
        {
            // Until MailKit has connected over it, the socket is ours to close; a server must not wait on it.
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Logs in with one mechanism, the best the server offers: MailKit's own AuthenticateAsync tries each in turn, and
    /// a wrong password tried twice (PLAIN, then LOGIN) hastens an account's lockout. A refusal keeps the server's
    /// reply as an SmtpCommandException inside, as MailKit's own loop does, so that a 4xx still reads as deferred.
    /// </summary>
    public static async Task AuthenticateAsync(SmtpClient client, MailSettings settings, CancellationToken cancellationToken)
    {
        var credentials = new NetworkCredential(settings.User, settings.Password ?? string.Empty);
        var chosen = Mechanisms.FirstOrDefault(m => client.AuthenticationMechanisms.Contains(m, StringComparer.OrdinalIgnoreCase));
        if (chosen is null)
        {
            // None offered (MailKit says NotSupportedException), or only ones such as XOAUTH2 that take no password.
            await client.AuthenticateAsync(credentials, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await client.AuthenticateAsync(SaslMechanism.Create(chosen, credentials)!, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e) when (e.InnerException is null && e.Message.Split(": ", 2) is [var code, var text]
                                                && int.TryParse(code, out var status) && status is >= 400 and < 600)
        {
            throw new AuthenticationException(e.Message, new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)status, text));
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

    /// <summary>
    /// Waits for the greeting's first byte without reading it; names a TLS-first server that sends none. A greeting
    /// that arrives during the check ends it: that server is only slow.
    /// </summary>
    private static async Task AwaitGreetingAsync(Socket socket, MailSettings settings, CancellationToken cancellationToken)
    {
        var greeting = socket.ReceiveAsync(new byte[1], SocketFlags.Peek, cancellationToken).AsTask();
        if (await Task.WhenAny(greeting, Task.Delay(GreetingGrace, cancellationToken)).ConfigureAwait(false) != greeting)
        {
            using var sniffing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sniff = SpeaksTlsFirstAsync(settings, sniffing.Token);
            await Task.WhenAny(greeting, sniff).ConfigureAwait(false);
            await sniffing.CancelAsync().ConfigureAwait(false);
            if (await sniff.ConfigureAwait(false))
            {
                throw new ScorecardException(ScorecardErrors.SmtpSecurityMismatch,
                    $"{settings.Server} starts with TLS and sends no plain greeting: {(settings.Port == 465 ? "port 465 expects SslOnConnect" : "it is an SslOnConnect port")}. " +
                    $"Set SMTP_SECURITY=SslOnConnect (SMTP_SECURITY is {settings.Security} now).", settings.Server);
            }
        }

        await greeting.ConfigureAwait(false);
    }

    /// <summary>Whether a second connection to the server completes a TLS handshake; nothing is sent over it. Cancelled, it says no.</summary>
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
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or SocketException or OperationCanceledException)
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
