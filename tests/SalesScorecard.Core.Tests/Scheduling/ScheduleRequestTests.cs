using SalesScorecard.Scheduling;

namespace SalesScorecard.Tests.Scheduling;

public sealed class ScheduleRequestTests
{
    [Theory]
    [InlineData("23:00", 23, 0)]
    [InlineData("7:05", 7, 5)]
    public void ParseTimeTakesHoursAndMinutes(string value, int hour, int minute)
    {
        Assert.Equal(new TimeOnly(hour, minute), ScheduleRequest.ParseTime(value, "At"));
    }

    [Theory]
    [InlineData("24:00")]
    [InlineData("23.00")]
    [InlineData("23:00:00")]
    public void ParseTimeRejectsAnythingElseNamingTheParameter(string value)
    {
        var error = Errors.Raises("InvalidSchedule", () => ScheduleRequest.ParseTime(value, "WatchdogAt"));

        Assert.StartsWith($"-WatchdogAt '{value}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/it's", "'/it''s'")]
    [InlineData("/it\u2019s \u2018q\u2019", "'/it\u2019\u2019s \u2018\u2018q\u2019\u2019'")]
    [InlineData("/$(x) `y`", "'/$(x) `y`'")]
    public void PsQuoteDoublesEverySingleQuotePowerShellEndsALiteralAt(string value, string quoted)
    {
        Assert.Equal(quoted, ScheduleRequest.PsQuote(value));
    }

    [Fact]
    public void BothScheduledLinesOptInToExit143OnSigterm()
    {
        var request = new ScheduleRequest
        {
            Name = "SalesScorecard",
            At = new TimeOnly(23, 0),
            WatchdogAt = new TimeOnly(7, 30),
            MaxAge = TimeSpan.FromHours(26),
            EnvFile = "/opt/app/.env",
            Destination = "/var/backups/scorecard",
            Pwsh = ["/usr/bin/pwsh"],
            ModuleManifest = "/opt/modules/SalesScorecard/SalesScorecard.psd1",
        };

        foreach (var script in new[] { request.BackupScript(), request.WatchdogScript() })
        {
            Assert.StartsWith("$PSStyle.OutputRendering = 'PlainText'; $ErrorView = 'NormalView'; $env:SCORECARD_EXIT_ON_SIGTERM = '1'; Import-Module ", script, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/home/ops/.local/share/powershell/Modules/SalesScorecard/0.1.0/SalesScorecard.psd1", "/home/ops/.local/share/powershell/Modules/SalesScorecard")]
    [InlineData("/opt/modules/SalesScorecard/SalesScorecard.psd1", "/opt/modules/SalesScorecard/SalesScorecard.psd1")]
    [InlineData("/srv/build/out/SalesScorecard/SalesScorecard.psd1", "/srv/build/out/SalesScorecard/SalesScorecard.psd1")]
    public void AVersionedModuleIsImportedByItsVersionlessFolderSoThatAnUpgradeKeepsTheLinesWorking(string manifest, string imported)
    {
        var request = new ScheduleRequest
        {
            Name = "SalesScorecard", At = new TimeOnly(2, 0), MaxAge = TimeSpan.FromHours(26), EnvFile = "/opt/app/.env", Destination = "/var/backups/scorecard",
            Pwsh = ["/usr/bin/pwsh"], ModuleManifest = manifest,
        };

        Assert.Equal(imported, request.ModuleToImport);
        Assert.Contains($"Import-Module '{imported}' -ErrorAction Stop; ", request.BackupScript(), StringComparison.Ordinal);
    }
}
