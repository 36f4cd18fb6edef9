using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Mail;
using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

// Low: the drill's database is a scratch one and the mail an alert; the nightly watchdog must never stop at a prompt.
[Cmdlet(VerbsDiagnostic.Test, "ScorecardBackup", DefaultParameterSetName = "Path", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BackupTestResult))]
public sealed class TestScorecardBackupCommand : ScorecardDatabaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public BackupInfo? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The newest backup; with -Offsite the newest copy on the store, which -Offsite tests anyway.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Latest")]
    [Parameter(ParameterSetName = "Offsite")]
    public SwitchParameter Latest { get; set; }

    [Parameter(ParameterSetName = "Latest")]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Tests the newest copy on the store BACKUP_S3_URL names, by streaming it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Offsite")]
    public SwitchParameter Offsite { get; set; }

    [Parameter]
    public SwitchParameter RestoreDrill { get; set; }

    /// <summary>With -RestoreDrill: restores every object owned by the drill's user, for a server without the backup's roles.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    [Parameter]
    [HoursTimeSpan]
    public TimeSpan? MaxAge { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    /// <summary>The age identity file that reads an encrypted backup whole; overrides BACKUP_IDENTITY_FILE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    /// <summary>Mails an alert when the backup is stale or missing, and a failure when a check fails; nothing when all is well.</summary>
    [Parameter]
    public SwitchParameter Notify { get; set; }

    protected override void ProcessRecord()
    {
        ScorecardSettings? settings = null;
        string? destination = null;
        try
        {
            settings = LoadSettings(new Dictionary<string, string?>
            {
                [SettingNames.DatabaseUrl] = DatabaseUrl,
                [SettingNames.BackupDir] = ProviderPath(Destination),
                [SettingNames.BackupIdentityFile] = ProviderPath(IdentityFile),
            });
            var direct = OffsiteOptions.BackupDirStore(settings);
            destination = direct?.StateFolder(Environment.GetEnvironmentVariable) ?? settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!;
            var source = InputObject?.Path ?? ProviderPath(Path);
            var named = source is not null && OffsiteLocation.IsOffsite(source) ? OffsiteLocation.ParseBackup(source, nameof(Path)) : default;
            var testsStore = named.Location is not null || Offsite || (ParameterSetName == "Latest" && direct is not null);
            var options = OffsiteOptions.FromSettings(settings, named.Location ?? direct);
            if (testsStore && options is null)
            {
                throw OffsiteOptions.NotConfigured();
            }

            // The store only for a copy there, or for the watchdog's OffsiteFreshness: a local -Path never needs it.
            using var store = options is null || !(testsStore || ParameterSetName == "Latest") ? null : OffsiteStore.Open(options);
            var latest = FindBackup(source, named, testsStore, store, destination);
            var failure = latest is null
                ? testsStore
                    ? new ScorecardException(ScorecardErrors.BackupNotFound, $"There is no complete backup in {store!.Location}.", store.Location.Url())
                    : BackupCatalog.NoBackup(destination)
                : null;

            var result = latest is null ? null : Test(latest, settings, testsStore, store);
            if (result is { Passed: false })
            {
                var failed = string.Join("; ", result.Checks.Where(c => !c.Passed).Select(c => $"{c.Check}: {c.Detail}"));
                failure = new ScorecardException(ScorecardErrors.BackupTestFailed, $"The backup '{result.Name}' failed its test. {failed}", result.Path);
            }

            // Mail before reporting: with -ErrorAction Stop the error ends the command, and the alert must still go out.
            if (Notify && NotificationFacts.FromBackupTest(result, latest, MaxAge, DateTime.UtcNow) is { } facts)
            {
                SendNotification(settings, facts, latest is null || testsStore ? destination : System.IO.Path.GetDirectoryName(latest.Path)!);
            }

            if (result is not null)
            {
                WriteObject(result);
            }

            if (failure is not null)
            {
                WriteScorecardError(failure);
            }
        }
        catch (Exception e) when (e is not RuntimeException)
        {
            // A watchdog that cannot do its work (an identity file gone, a failure nobody foresaw) must still raise the alarm.
            var failure = AsScorecardFailure(e, ScorecardErrors.BackupTestFailed);
            if (Notify && settings is not null && destination is not null)
            {
                SendNotification(settings, NotificationFacts.FromFailure(failure.ErrorId, failure.Message, []), destination);
            }

            ThrowScorecardError(failure);
        }
    }

    /// <summary>The backup to test: the one named (on the store or in a folder), the one piped, or the newest.</summary>
    private BackupInfo? FindBackup(string? source, (OffsiteLocation? Location, string Name) named, bool testsStore, OffsiteStore? store, string destination) =>
        ParameterSetName switch
        {
            _ when named.Location is not null => new BackupInfo { Name = named.Name, Path = source!, Status = BackupStatus.Succeeded },
            "InputObject" => InputObject,
            "Path" => BackupCatalog.Read(source!),
            _ when testsStore => Run((_, ct) => OffsiteBackups.LatestAsync(store!, ct)),
            _ => BackupCatalog.Latest(destination),
        };

    private BackupTestResult Test(BackupInfo latest, ScorecardSettings settings, bool testsStore, OffsiteStore? store)
    {
        var testOptions = new BackupTestOptions
        {
            RestoreDrillServer = RestoreDrill ? DrillServer(settings) : null,
            NoOwner = NoOwner,
            MaxAge = MaxAge,
            PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, CurrentDirectory),
            Identities = settings.GetIdentities(CurrentDirectory),
            // The watchdog also watches the store: offsite copies that stopped must raise the alarm while local backups go on.
            OffsiteToWatch = !testsStore && ParameterSetName == "Latest" ? store : null,
        };
        return testsStore
            ? Run((reporter, ct) => BackupVerifier.TestOffsiteAsync(store!, latest.Name, testOptions, reporter, ct))
            : Run((reporter, ct) => BackupVerifier.TestAsync(latest.Path, testOptions, reporter, ct));
    }

    /// <summary>The server the drill makes its scratch database on; null under -WhatIf or when the user declines.</summary>
    private DatabaseUrl? DrillServer(ScorecardSettings settings)
    {
        var server = settings.GetDatabaseUrl();
        return ShouldProcess($"a scratch database on {server.Host}:{server.Port}", "Restore drill: create, restore into and drop") ? server : null;
    }

    /// <summary>Mails the alert unless -WhatIf (or the user declines).</summary>
    private void SendNotification(ScorecardSettings settings, NotificationFacts facts, string logFolder)
    {
        var recipients = settings.Get(SettingNames.BackupNotificationEmail) ?? "(no recipient configured)";
        if (ShouldProcess(recipients, "Send the alert mail"))
        {
            Run((reporter, ct) => BackupNotifications.NotifyAsync(settings, CurrentDirectory, facts, new BackupLog(logFolder), reporter, ct));
        }
    }
}
