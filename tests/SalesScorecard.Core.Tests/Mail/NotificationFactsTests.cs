using SalesScorecard.Mail;
using SalesScorecard.Offsite;

namespace SalesScorecard.Tests.Mail;

public sealed class NotificationFactsTests
{
    [Theory]
    [InlineData("Newest offsite copy s3://b/p/backup-x: 3 days old, more than 26 h", "⚠️ Offsite copy stale, local backups fine")]
    [InlineData("There is no complete offsite copy in s3://b/p.", "⚠️ Offsite copy stale, local backups fine")]
    [InlineData("OffsiteNotReachable: The store did not answer within 120 s.", "⚠️ Offsite store not reachable, local backups fine")]
    [InlineData("OffsiteAccessDenied: The store refused the keys.", "⚠️ Offsite store could not be checked, local backups fine")]
    public void TheWatchdogMailSaysWhatFailedWhenOnlyTheOffsiteCheckDid(string detail, string headline)
    {
        var result = new BackupTestResult
        {
            Name = "backup-x",
            Path = "/var/backups/backup-x",
            Checks = new([new BackupCheck("Manifest", true, "ok"), new BackupCheck(OffsiteBackups.FreshnessCheck, false, detail)]),
        };

        var facts = NotificationFacts.FromBackupTest(result, null, null, DateTime.UtcNow);

        Assert.Equal(headline, facts!.Headline);
    }
}
