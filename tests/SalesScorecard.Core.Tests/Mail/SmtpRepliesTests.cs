using System.Globalization;
using MimeKit;
using SalesScorecard.Mail;

namespace SalesScorecard.Tests.Mail;

public sealed class SmtpRepliesTests
{
    private static MailSettings Settings(string? user) => new()
    {
        Host = "smtp.example.org",
        Port = 587,
        User = user,
        From = MailboxAddress.Parse("noreply@example.org"),
        Recipients = [MailboxAddress.Parse("admin@example.org")],
        Security = SmtpSecurity.StartTls,
        Timeout = TimeSpan.FromSeconds(30),
        RetryWindow = TimeSpan.FromMinutes(10),
        TimeZone = TimeZoneInfo.Utc,
        Culture = CultureInfo.InvariantCulture,
    };

    [Theory]
    [InlineData(552, "5.3.4 Message size exceeds fixed limit", true)]
    [InlineData(552, "Message size exceeds maximum permitted", true)]
    [InlineData(552, "5.2.2 Mailbox full", false)]
    [InlineData(550, "5.1.8 Sender address rejected", false)]
    public void TooBigIsXDot3Dot4OrABare552(int code, string reply, bool tooBig) => Assert.Equal(tooBig, SmtpReplies.IsTooBig(code, reply));

    [Theory]
    [InlineData(null, true, 530, "5.7.0 Authentication Required", true)]
    [InlineData(null, true, 554, "5.7.1 <x[1.2.3.4]>: Client host rejected: Access denied", true)]
    [InlineData(null, true, 554, "5.7.1 <a@b.c>: Relay access denied", true)]
    [InlineData(null, true, 554, "5.7.1 <n@i.e>: Sender address rejected: Access denied", false)]
    [InlineData(null, true, 550, "5.1.1 User unknown", false)]
    [InlineData(null, false, 554, "5.7.1 Client host rejected: Access denied", false)]
    [InlineData("someone", true, 530, "5.7.0 Authentication Required", false)]
    public void WantsLoginOnlyWithoutSmtpUserFromAServerThatOffersAuth(string? user, bool offersAuth, int code, string reply, bool wants) =>
        Assert.Equal(wants, SmtpReplies.WantsLogin(Settings(user), offersAuth, code, reply));

    [Theory]
    [InlineData("5.3.4 Message size exceeds fixed maximum message size (10485760)", 10485760L)]
    [InlineData("5.3.4 Message size exceeds fixed limit", null)]
    public void NamedSizeReadsTheLimitARefusalStates(string reply, long? size) => Assert.Equal(size, SmtpReplies.NamedSize(reply));

    [Theory]
    [InlineData("\"Василев, Захари\" <z@example.bg>, other@example.org", new[] { "\"Василев, Захари\" <z@example.bg>", "other@example.org" })]
    [InlineData("a@example.org; b@example.org", new[] { "a@example.org", "b@example.org" })]
    [InlineData("a@example.org,, b@example.org,", new[] { "a@example.org", "b@example.org" })]
    [InlineData("a@example.org, <broken", new[] { "a@example.org", "<broken" })]
    public void AddressListsAreReadAsRfc5322ReadsThem(string value, string[] expected) => Assert.Equal(expected, MailSettings.SplitAddresses(value));
}
