using SalesScorecard.Offsite;

namespace SalesScorecard.Tests.Offsite;

public sealed class OffsiteLocationTests
{
    private const string Setting = "BACKUP_S3_URL";

    [Fact]
    public void APrefixLosesItsOuterSlashesAndGivesTheKeysUnderIt()
    {
        var location = OffsiteLocation.Parse("S3://sales-backups.eu/nightly/prod/", Setting);

        Assert.Equal(("sales-backups.eu", "nightly/prod"), (location.Bucket, location.Prefix));
        Assert.Equal("nightly/prod/", location.KeyPrefix);
        Assert.Equal("nightly/prod/backup-2026-11-26T23-00-00/", location.BackupPrefix("backup-2026-11-26T23-00-00"));
        Assert.Equal("s3://sales-backups.eu/nightly/prod", location.Url());
        Assert.Equal("s3://sales-backups.eu/nightly/prod/backup-x", location.Url("backup-x"));
    }

    [Fact]
    public void TheBucketsRootHasNoKeyPrefix()
    {
        var location = OffsiteLocation.Parse("s3://abc", Setting);

        Assert.Equal(("", ""), (location.Prefix, location.KeyPrefix));
        Assert.Equal("backup-x/", location.BackupPrefix("backup-x"));
        Assert.Equal("s3://abc", location.ToString());
        Assert.Equal("s3://abc/backup-x", location.Url("backup-x"));
    }

    [Theory]
    [InlineData("s3://ab")]
    [InlineData("s3://Sales-Backups")]
    [InlineData("s3:///nightly")]
    [InlineData("https://sales-backups/nightly")]
    [InlineData("s3://sales-backups/a//b")]
    [InlineData("s3://sales-backups/a/../b")]
    [InlineData("s3://sales-backups/./a")]
    public void AnAddressNoStoreTakesIsAnInvalidSettingNamingIt(string value)
    {
        var error = Errors.Raises("InvalidSetting", () => OffsiteLocation.Parse(value, Setting));

        Assert.Equal(Setting, error.Target);
        Assert.StartsWith($"{Setting} must read s3://bucket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BucketNamesMayBe3To63Characters()
    {
        Assert.Equal(63, OffsiteLocation.Parse("s3://" + new string('a', 63), Setting).Bucket.Length);
        Errors.Raises("InvalidSetting", () => OffsiteLocation.Parse("s3://" + new string('a', 64), Setting));
    }

    [Theory]
    [InlineData("s3://AKIAEXAMPLEKEY:Hunter2Secret@sales-backups/prod", "keys were written into it")]
    [InlineData("s3://AKIAEXAMPLEKEY:Hunter2/Secret@sales-backups/prod", "keys were written into it")]
    [InlineData("s3://Hunter2Secret/prod", "a character other than those")]
    [InlineData("Hunter2Secret", "does not begin with s3://")]
    [InlineData("s3://hunter2secret/a/../Hunter2Secret", "'..' part")]
    public void NoPartOfAValueThatDoesNotParseIsQuotedOnlyWhatIsWrong(string value, string why)
    {
        var error = Errors.Raises("InvalidSetting", () => OffsiteLocation.Parse(value, Setting));

        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2Secret", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AKIAEXAMPLEKEY", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://AKIAEXAMPLEKEY:Hunter2Secret@sales-backups/prod", "s3://********@sales-backups/prod")]
    [InlineData("s3://AKIAEXAMPLEKEY:wJalr/XUtn+FEMI@sales-backups/prod", "s3://********@sales-backups/prod")]
    [InlineData("s3://sales-backups/prod", "s3://sales-backups/prod")]
    [InlineData("/var/backups/a@b", "/var/backups/a@b")]
    [InlineData(".", ".")]
    [InlineData("s3:", "s3:")]
    public void MaskKeysHidesWhatIsWrittenBeforeTheBucket(string value, string shown) =>
        Assert.Equal(shown, OffsiteLocation.MaskKeys(value));

    [Theory]
    [InlineData("s3://sales-backups/nightly/prod/backup-2026-11-26T23-00-00/", "nightly/prod", "backup-2026-11-26T23-00-00")]
    [InlineData("s3://sales-backups/backup-2026-11-26T23-00-00", "", "backup-2026-11-26T23-00-00")]
    public void ParseBackupSplitsTheLocationFromTheBackupsName(string value, string prefix, string name)
    {
        var (location, backup) = OffsiteLocation.ParseBackup(value, "-Path");

        Assert.Equal(("sales-backups", prefix, name), (location.Bucket, location.Prefix, backup));
    }

    [Theory]
    [InlineData("s3://sales-backups/nightly")]
    [InlineData("s3://backup-2026-11-26T23-00-00")]
    [InlineData("backup-2026-11-26T23-00-00")]
    [InlineData("s3://sales-backups/../backup-2026-11-26T23-00-00")]
    public void ParseBackupRejectsAnAddressThatNamesNoBackup(string value)
    {
        Assert.Equal("-Path", Errors.Raises("InvalidSetting", () => OffsiteLocation.ParseBackup(value, "-Path")).Target);
    }

    [Fact]
    public void TheStateFolderIsUnderXdgStateHomeOneFolderPerLocation()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var state = OffsiteLocation.Parse("s3://sales-backups/nightly/prod", Setting).StateFolder(name => name == "XDG_STATE_HOME" ? "/var/state" : null);
        var root = OffsiteLocation.Parse("s3://sales-backups", Setting).StateFolder(name => name == "XDG_STATE_HOME" ? "/var/state" : null);

        Assert.Equal("/var/state/SalesScorecard/offsite/sales-backups/nightly_prod", state);
        Assert.Equal("/var/state/SalesScorecard/offsite/sales-backups/_", root);
    }
}
