using SalesScorecard.Backup;
using SalesScorecard.Jobs;
using SalesScorecard.Settings;

namespace SalesScorecard.Tests.Jobs;

/// <summary>The jobs' rules that need no database: what they ask, what they leave, how they fail, through a scripted host.</summary>
public sealed class JobTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Destination => Path.Combine(_folder.Path, "backups");

    private ScorecardSettings Settings(params (string Name, string Value)[] values)
    {
        var environment = new Dictionary<string, string>
        {
            [SettingNames.DatabaseUrl] = "postgresql://scorecard@127.0.0.1:1/scorecard",
            [SettingNames.BackupDir] = Destination,
        };
        foreach (var (name, value) in values)
        {
            environment[name] = value;
        }

        return ScorecardSettings.Load(new Dictionary<string, string?>(), name => environment.GetValueOrDefault(name), null);
    }

    private Task<NightlyBackupResult> Night(ScriptedHost host, bool notify = false, params (string, string)[] settings) =>
        new NightlyBackupJob(Settings(settings), new NightlyBackupOptions(_folder.Path, null, false, "0.0.0", notify), host).RunAsync(CancellationToken.None);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ANightNotApprovedTouchesNothingAndAsksOnlyOnce(bool whatIf)
    {
        var host = new ScriptedHost(whatIf ? JobApproval.WhatIf : JobApproval.Declined);

        var result = await Night(host);

        Assert.Same(NightlyBackupResult.NothingDone, result);
        var question = Assert.Single(host.Questions);
        Assert.StartsWith("Performing the operation \"Back up the database\" on target ", question);
        Assert.EndsWith($" into {Destination}\".", question);
        Assert.False(Directory.Exists(Destination));
    }

    [Fact]
    public async Task AWrongSettingFailsTheNightBeforeAnythingIsAskedOrDoneAndIsMailedUnderNotify()
    {
        var host = new ScriptedHost();

        var failure = await Assert.ThrowsAsync<ScorecardException>(() => Night(host, notify: true, (SettingNames.BackupRetentionDays, "-1")));

        Assert.Equal("InvalidSetting", failure.ErrorId);
        Assert.Empty(host.Questions);
        Assert.False(Directory.Exists(Destination));
        // The mail settings are missing here: the attempt to mail shows as their warning.
        Assert.Contains(host.Warnings, w => w.Contains("SMTP_HOST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheWatchdogWithNoBackupReportsBackupNotFoundAndAsksToSendItsAlert()
    {
        Directory.CreateDirectory(Destination);
        var host = new ScriptedHost();
        var request = new BackupTestRequest(BackupTestTarget.Latest, null, null, false, false, TimeSpan.FromHours(26), Notify: true, _folder.Path);

        var outcome = await new BackupTestJob(Settings(), request, host).RunAsync(CancellationToken.None);

        Assert.Null(outcome.Result);
        Assert.Equal("BackupNotFound", outcome.Failure?.ErrorId);
        Assert.Equal(["Send the alert mail: (no recipient configured)"], host.Questions);
        Assert.Contains(host.Warnings, w => w.Contains("SMTP_HOST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheWatchdogUnderWhatIfSendsNothing()
    {
        Directory.CreateDirectory(Destination);
        var host = new ScriptedHost(answer: false);
        var request = new BackupTestRequest(BackupTestTarget.Latest, null, null, false, false, TimeSpan.FromHours(26), Notify: true, _folder.Path);

        var outcome = await new BackupTestJob(Settings(), request, host).RunAsync(CancellationToken.None);

        Assert.Equal("BackupNotFound", outcome.Failure?.ErrorId);
        Assert.Empty(host.Warnings);
    }
}
