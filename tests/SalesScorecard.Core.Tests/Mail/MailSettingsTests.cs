using SalesScorecard.Mail;
using SalesScorecard.Settings;

namespace SalesScorecard.Tests.Mail;

public sealed class MailSettingsTests
{
    private const string Secret = "Hunter2Secret";

    [Theory]
    [InlineData("SMTP_FROM", Secret)]
    [InlineData("BACKUP_NOTIFICATION_EMAIL", "ops@example.org, " + Secret)]
    [InlineData("SMTP_SECURITY", Secret)]
    [InlineData("SMTP_TRUSTED_CERT", "/nowhere/" + Secret + ".pem")]
    [InlineData("NOTIFICATION_TIMEZONE", Secret)]
    [InlineData("NOTIFICATION_CULTURE", Secret + "-XX-x-" + Secret)]
    public void ASettingThatDoesNotParseIsNamedButNeverQuoted(string name, string value)
    {
        var values = new Dictionary<string, string?>
        {
            ["SMTP_HOST"] = "mail.example.org",
            ["BACKUP_NOTIFICATION_EMAIL"] = "ops@example.org",
            [name] = value,
        };
        var settings = ScorecardSettings.Load(values, _ => null, null, null);

        var error = Errors.Raises("InvalidSetting", () => MailSettings.Load(settings, "/"));

        Assert.StartsWith(name + ":", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
