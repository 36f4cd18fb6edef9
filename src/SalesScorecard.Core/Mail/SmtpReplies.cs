using System.Globalization;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;

namespace SalesScorecard.Mail;

/// <summary>Reading SMTP replies: RFC 3463's enhanced status codes and Postfix's wording.</summary>
internal static partial class SmtpReplies
{
    public static bool IsTemporary(int code) => code is >= 400 and < 500;

    public static bool IsTemporary(SmtpCommandException command) => IsTemporary((int)command.StatusCode);

    /// <summary>The subject and detail of a reply's enhanced status code ("1.7" of "5.1.7 ..."), or null when it has none.</summary>
    public static string? Enhanced(string reply) =>
        EnhancedCode().Match(reply) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>
    /// Whether a refusal blames the sender: X.1.7 and X.1.8 are the sender's address, and Postfix answers its sender
    /// restrictions at RCPT TO ("554 5.7.1 &lt;x@y&gt;: Sender address rejected: ...").
    /// </summary>
    public static bool BlamesSender(string reply) =>
        Enhanced(reply) is "1.7" or "1.8" || reply.Contains("Sender address rejected", StringComparison.OrdinalIgnoreCase);

    /// <summary>X.3.4 is "message too big for system"; a bare 552 at MAIL FROM or the final dot says the same.</summary>
    public static bool IsTooBig(int code, string reply) => Enhanced(reply) is { } enhanced ? enhanced == "3.4" : code == 552;

    /// <summary>
    /// Whether a refusal means "log in first": SMTP_USER is empty, the server offers AUTH, and it answers 530 or X.7.0,
    /// X.7.1 (Postfix's "Relay access denied", "Client host rejected") or X.7.57 (Microsoft's "Client not authenticated"),
    /// unless the reply names the sender's or the recipient's address as the fault.
    /// </summary>
    public static bool WantsLogin(MailSettings settings, bool offersAuthentication, int code, string reply) =>
        settings.User is null && offersAuthentication
        && (code == 530 || Enhanced(reply) is "7.0" or "7.1" or "7.57")
        && !BlamesSender(reply) && !reply.Contains("Recipient address rejected", StringComparison.OrdinalIgnoreCase);

    /// <summary>A size a refusal names ("... fixed maximum message size (10485760)"), in bytes.</summary>
    public static long? NamedSize(string reply) =>
        NumberOfBytes().Match(reply) is { Success: true } match && long.TryParse(match.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null;

    [GeneratedRegex(@"^\s*[245]\.(\d{1,3}\.\d{1,3})\b")]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"(?<![\d.])\d{4,}(?![\d.])")]
    private static partial Regex NumberOfBytes();
}
