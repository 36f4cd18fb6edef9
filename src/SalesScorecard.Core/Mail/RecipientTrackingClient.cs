using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>Goes on past a refused recipient, keeping the server's reply, so that the others still get the mail.</summary>
internal sealed class RecipientTrackingClient(IProtocolLogger logger) : SmtpClient(logger)
{
    public List<SmtpRefusal> Refusals { get; } = [];

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Refusals.Add(new SmtpRefusal(mailbox, (int)response.StatusCode, response.Response));
}
