using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.Tests.Offsite;

public sealed class OffsiteOptionsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private OffsiteOptions Options(string envFileText, Dictionary<string, string>? environment = null, bool explicitEnvFile = false) =>
        OffsiteOptions.FromSettings(ScorecardSettings.Load(
            new Dictionary<string, string?>(),
            name => environment?.GetValueOrDefault(name),
            new EnvFileChoice(_folder.Write(".env", "BACKUP_S3_URL=s3://scorecard-backups/nightly\n" + envFileText), explicitEnvFile)))!;

    [Fact]
    public void AwsRegionInTheEnvFileIsTheRegion()
    {
        Assert.Equal("eu-central-1", Options("AWS_REGION=eu-central-1\n").Region);
        Assert.Equal("eu-west-3", Options("AWS_DEFAULT_REGION=eu-west-3\n").Region);
        Assert.Equal("us-east-1", Options("").Region);
    }

    [Fact]
    public void AwsRegionFollowsThePrecedenceOfEverySetting()
    {
        var environment = new Dictionary<string, string> { ["AWS_REGION"] = "ap-south-1" };

        Assert.Equal("ap-south-1", Options("AWS_REGION=eu-central-1\n", environment).Region);
        Assert.Equal("eu-central-1", Options("AWS_REGION=eu-central-1\n", environment, explicitEnvFile: true).Region);
        Assert.Equal("eu-north-1", Options("AWS_REGION=eu-central-1\nBACKUP_S3_REGION=eu-north-1\n", environment).Region);
    }

    [Fact]
    public void EveryRequestIsBoundedByTwoMinutesUnlessTheSettingSaysOtherwise()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Options("").RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), Options("BACKUP_S3_TIMEOUT_SECONDS=3\n").RequestTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3601")]
    [InlineData("soon")]
    public void ATimeOutOutsideOneSecondToAnHourIsAnInvalidSetting(string value)
    {
        var error = Errors.Raises("InvalidSetting", () => Options($"BACKUP_S3_TIMEOUT_SECONDS={value}\n"));
        Assert.Contains("BACKUP_S3_TIMEOUT_SECONDS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCopysBudgetIsFourTimeOutsAndItsBytesSentAndReadBackAtOneMebibyteASecond()
    {
        var options = Options("BACKUP_S3_TIMEOUT_SECONDS=60\n");

        Assert.Equal(TimeSpan.FromMinutes(4), options.Budget(0));
        Assert.Equal(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(2 * 600), options.Budget(600L << 20));
    }
}
