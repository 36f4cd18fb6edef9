using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>A recipient the server refused at RCPT TO, with its reply.</summary>
internal sealed record SmtpRefusal(MailboxAddress Mailbox, int Code, string Reply)
{
    public bool Permanent => !SmtpReplies.IsTemporary(Code);

    public bool BlamesSender => SmtpReplies.BlamesSender(Reply);

    public override string ToString() => $"{Mailbox.Address} ({Code} {Reply})";
}
