using SalesScorecard.Backup;
using SalesScorecard.Mail;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>
/// Test-ScorecardBackup's work, the watchdog's rules among it: find the backup (named, piped, newest, newest on the
/// store), test it (with the store's freshness for the watchdog, and a restore drill when asked), and mail an alert or a
/// failure under -Notify before anything is reported, so that -ErrorAction Stop never swallows the alarm.
/// </summary>
internal sealed class BackupTestJob(ScorecardSettings settings, BackupTestRequest request, IJobHost host)
{
    public async Task<BackupTestOutcome> RunAsync(CancellationToken cancellationToken)
    {
        string? destination = null;
        try
        {
            var direct = OffsiteOptions.BackupDirStore(settings);
            destination = OffsiteOptions.LocalFolder(settings, direct, request.CurrentDirectory);
            var named = request.Source is not null && OffsiteLocation.IsOffsite(request.Source) ? OffsiteLocation.ParseBackup(request.Source, "Path") : default;
            var testsStore = named.Location is not null || request.Target == BackupTestTarget.Offsite || request.Target == BackupTestTarget.Latest && direct is not null;
            using var store = testsStore ? BackupRepositories.OpenStore(settings, named.Location) : null;
            // The watchdog also watches the store: offsite copies that stopped must raise the alarm while local backups go on.
            using var watched = !testsStore && request.Target == BackupTestTarget.Latest && OffsiteOptions.FromSettings(settings) is { } offsite ? StoreRepository.Open(offsite) : null;
            var latest = await FindAsync(named, store, destination, cancellationToken).ConfigureAwait(false);
            var result = latest is null ? null : await TestAsync(latest, store, watched, cancellationToken).ConfigureAwait(false);
            var failure = latest is null ? NotFound(store, destination) : result is { Passed: false } ? Failed(result) : null;
            if (request.Notify && NotificationFacts.FromBackupTest(result, latest, request.MaxAge, DateTime.UtcNow) is { } facts)
            {
                await NotifyAsync(facts, latest is null || testsStore ? destination : Path.GetDirectoryName(latest.Path)!, cancellationToken).ConfigureAwait(false);
            }

            return new BackupTestOutcome(result, failure);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // A watchdog that cannot do its work (an identity file gone, a failure nobody foresaw) must still raise the alarm.
            var failure = ScorecardException.From(e, ScorecardErrors.BackupTestFailed);
            if (request.Notify && destination is not null)
            {
                await NotifyAsync(NotificationFacts.FromFailure(failure.ErrorId, failure.Message, []), destination, cancellationToken).ConfigureAwait(false);
            }

            throw failure;
        }
    }

    /// <summary>The backup to test: the one named (on the store or in a folder), the one piped, or the newest (on the store, when it is the one tested).</summary>
    private async Task<BackupInfo?> FindAsync(
        (OffsiteLocation? Location, string Name) named, StoreRepository? store, string destination, CancellationToken cancellationToken) =>
        request.Target switch
        {
            _ when named.Location is not null => new BackupInfo { Name = named.Name, Path = request.Source!, Status = BackupStatus.Succeeded },
            BackupTestTarget.Piped => request.Piped,
            BackupTestTarget.Path => BackupCatalog.Read(request.Source!),
            _ when store is not null => (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Newest(DateTime.UtcNow),
            _ => BackupCatalog.Latest(destination),
        };

    /// <summary>Tests the backup where it is: on the store, streamed, or in its folder.</summary>
    private async Task<BackupTestResult> TestAsync(BackupInfo latest, StoreRepository? store, StoreRepository? watched, CancellationToken cancellationToken)
    {
        var options = new BackupTestOptions
        {
            RestoreDrillServer = request.RestoreDrill ? await DrillServerAsync().ConfigureAwait(false) : null,
            NoOwner = request.NoOwner,
            MaxAge = request.MaxAge,
            PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, request.CurrentDirectory),
            Identities = settings.GetIdentities(request.CurrentDirectory),
            OffsiteToWatch = watched,
        };
        if (store is not null)
        {
            return await RecordDrillAsync(store, latest.Name, await BackupVerifier.TestAsync(store, latest.Name, options, host, cancellationToken).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }

        var (folder, name) = StoredBackup.SplitFolder(latest.Path);
        using var local = new LocalFolderRepository(folder);
        return await RecordDrillAsync(local, name, await BackupVerifier.TestAsync(local, name, options, host, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>A drill's outcome goes beside the backup for the history and the report; one that cannot be written is a warning, never the test's failure.</summary>
    private async Task<BackupTestResult> RecordDrillAsync(IBackupRepository repository, string name, BackupTestResult result, CancellationToken cancellationToken)
    {
        if (result.Checks.Any(c => c.Check == "Manifest" && c.Passed) && History.DrillRecord.From(result, DateTime.UtcNow) is { } drill)
        {
            try
            {
                await repository.RecordDrillAsync(name, drill, cancellationToken).ConfigureAwait(false);
            }
            catch (ScorecardException e)
            {
                host.Warning($"The drill's outcome could not be recorded beside {repository.AddressOf(name)} ({e.ErrorId}): {e.Message}");
            }
        }

        return result;
    }

    /// <summary>The server the drill makes its scratch database on; null under -WhatIf or when the user declines.</summary>
    private async Task<DatabaseUrl?> DrillServerAsync()
    {
        var server = settings.GetDatabaseUrl();
        return await host.ShouldProcessAsync($"a scratch database on {server.Host}:{server.Port}", "Restore drill: create, restore into and drop").ConfigureAwait(false)
            ? server
            : null;
    }

    private static ScorecardException NotFound(StoreRepository? store, string destination) =>
        store is not null
            ? OffsiteBackups.NoBackup(store.Address)
            : BackupCatalog.NoBackup(destination);

    private static ScorecardException Failed(BackupTestResult result)
    {
        var failed = string.Join("; ", result.Checks.Where(c => !c.Passed).Select(c => $"{c.Check}: {c.Detail}"));
        return new ScorecardException(ScorecardErrors.BackupTestFailed, $"The backup '{result.Name}' failed its test. {failed}", result.Path);
    }

    /// <summary>Mails the alert unless -WhatIf (or the user declines).</summary>
    private async Task NotifyAsync(NotificationFacts facts, string logFolder, CancellationToken cancellationToken)
    {
        var recipients = settings.Get(SettingNames.BackupNotificationEmail) ?? "(no recipient configured)";
        if (await host.ShouldProcessAsync(recipients, "Send the alert mail").ConfigureAwait(false))
        {
            await BackupNotifications.NotifyAsync(settings, request.CurrentDirectory, facts, new BackupLog(logFolder), host, cancellationToken).ConfigureAwait(false);
        }
    }
}
