using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>One connection: connect, authenticate, send to the given recipients; returns the ones the server refused.</summary>
internal sealed class SmtpSession : IDisposable, ITransferProgress
{
    private readonly MailSettings _settings;
    private readonly FinalDotWatcher _watcher = new();
    private readonly RecipientTrackingClient _client;
    private SmtpStage _stage;

    public SmtpSession(MailSettings settings)
    {
        _settings = settings;
        _client = new RecipientTrackingClient(_watcher);
        Tls = new TlsObservation(settings.TrustedCertificateSha256);
    }

    public TlsObservation Tls { get; }

    public SmtpStage Stage => _stage == SmtpStage.Message && _watcher.DotSent ? SmtpStage.MessageSent : _stage;

    /// <summary>Whether the server offered AUTH in its EHLO: a policy refusal then may mean "log in first".</summary>
    public bool OffersAuthentication { get; private set; }

    /// <summary>The SIZE the server announced in its EHLO, in bytes, if it did.</summary>
    public long? MaxSize { get; private set; }

    /// <summary>The message's size as MailKit measured it for SIZE= and its progress.</summary>
    public long? MessageSize { get; private set; }

    public async Task<IReadOnlyList<SmtpRefusal>> SendAsync(MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        _watcher.Socket = await SmtpConnection.ConnectAsync(_client, _settings, Tls, socket: null, cancellationToken).ConfigureAwait(false);
        OffersAuthentication = _client.AuthenticationMechanisms.Count > 0;
        MaxSize = (_client.Capabilities & SmtpCapabilities.Size) != 0 && _client.MaxSize > 0 ? _client.MaxSize : null;
        if (_settings.User is not null)
        {
            _stage = SmtpStage.Authenticating;
            await SmtpConnection.AuthenticateAsync(_client, _settings, cancellationToken).ConfigureAwait(false);
        }

        _stage = SmtpStage.Envelope;
        try
        {
            await _client.SendAsync(FormatOptions.Default, message, _settings.From, recipients, cancellationToken, this).ConfigureAwait(false);
        }
        catch (SmtpCommandException e) when (e.ErrorCode == SmtpErrorCode.MessageNotAccepted && _stage == SmtpStage.Envelope && _client.Refusals.Count == recipients.Count)
        {
            // MailKit's "no recipients were accepted": each refusal, with the server's reply, says more.
        }

        await QuitAsync(cancellationToken).ConfigureAwait(false);
        return _client.Refusals;
    }

    // MailKit reports each write of the message into its buffer; the watcher sees when the final dot has left.
    public void Report(long bytesTransferred, long totalSize)
    {
        MessageSize = totalSize;
        _stage = SmtpStage.Message;
        _watcher.MessageWritten = bytesTransferred >= totalSize;
    }

    public void Report(long bytesTransferred) => _stage = SmtpStage.Message;

    public void Dispose() => _client.Dispose();

    private async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SocketException or OperationCanceledException or TimeoutException)
        {
            // The server answered the message; how the goodbye went changes nothing.
        }
    }
}
