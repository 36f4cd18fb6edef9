using SalesScorecard.Backup;
using SalesScorecard.History;
using SalesScorecard.Jobs;
using SalesScorecard.Mail;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Health;

/// <summary>
/// Test-ScorecardHealth's work: every check an admin wants before trusting the night, each isolated (one that throws is
/// Failed, the rest still run), and under -Notify a mail of the findings when anything is not Passed.
/// </summary>
internal sealed class HealthJob(ScorecardSettings settings, string currentDirectory, TimeSpan maxAge, bool notify, IJobHost host)
{
    public async Task<IReadOnlyList<HealthCheck>> RunAsync(CancellationToken cancellationToken)
    {
        var checks = new List<HealthCheck>();
        if (Settings() is { } broken)
        {
            checks.Add(broken);
        }
        else
        {
            checks.Add(HealthCheck.Pass("Settings", "Every setting parses."));
            await CheckAllAsync(checks, cancellationToken).ConfigureAwait(false);
        }

        if (notify && checks.Any(c => c.Status != HealthStatus.Passed))
        {
            await TryNotifyAsync(checks, cancellationToken).ConfigureAwait(false);
        }

        return checks;
    }

    /// <summary>Every setting read as the night reads it; the first that does not parse, or null.</summary>
    private HealthCheck? Settings()
    {
        try
        {
            settings.GetDatabaseUrl();
            // One left unset with no default of its own (BACKUP_S3_KEEP_MIN) takes another's: nothing to parse.
            foreach (var definition in SettingNames.All.Where(d => d.Range is not null && settings.Get(d.Name) is not null))
            {
                settings.GetInt(definition.Name);
            }

            settings.GetCompression();
            settings.GetRecipients(currentDirectory);
            settings.GetBool(SettingNames.BackupAnomalyFails);
            OffsiteOptions.FromSettings(settings, OffsiteOptions.BackupDirStore(settings));
            return null;
        }
        catch (ScorecardException e)
        {
            return HealthCheck.Fail("Settings", $"{e.ErrorId}: {e.Message}", "Correct the setting in the .env file or the environment; nothing else was checked.");
        }
    }

    private async Task CheckAllAsync(List<HealthCheck> checks, CancellationToken cancellationToken)
    {
        var (database, server, serverText) = await DatabaseHealth.CheckAsync(settings.GetDatabaseUrl(), cancellationToken).ConfigureAwait(false);
        checks.AddRange(database);
        checks.Add(await Isolated("PgTools", () => EnvironmentHealth.PgToolsAsync(settings, currentDirectory, server, serverText, cancellationToken)).ConfigureAwait(false));
        using var repositories = BackupRepositories.Open(settings, currentDirectory);
        checks.AddRange(await Isolated("Backups", () => BackupsAsync(repositories, cancellationToken)).ConfigureAwait(false));
        checks.Add(Isolated("Encryption", () => EnvironmentHealth.Encryption(settings, currentDirectory)));
        checks.Add(await Isolated("Offsite", () => EnvironmentHealth.OffsiteAsync(repositories, maxAge, cancellationToken)).ConfigureAwait(false));
        checks.Add(await Isolated("Smtp", () => EnvironmentHealth.SmtpAsync(settings, currentDirectory, host, cancellationToken)).ConfigureAwait(false));
        checks.Add(await Isolated("Schedule", () => EnvironmentHealth.ScheduleAsync(cancellationToken)).ConfigureAwait(false));
    }

    private async Task<IReadOnlyList<HealthCheck>> BackupsAsync(BackupRepositories repositories, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var primary = repositories.Primary;
        if (primary.OnLocalDisk && !Directory.Exists(primary.Address))
        {
            return [BackupHealth.Folder(primary.Address, [])];
        }

        // Bounded as the night bounds the store: a store that does not answer is the Offsite check's finding, not a hang.
        var backups = (await primary.ListWithinBudgetAsync(cancellationToken).ConfigureAwait(false)).Backups;
        var checks = new List<HealthCheck>();
        if (primary.OnLocalDisk)
        {
            checks.Add(BackupHealth.Folder(primary.Address, backups));
        }

        checks.Add(BackupHealth.Newest(backups, maxAge, now));
        checks.Add(BackupHealth.Drill(backups, now));
        checks.AddRange(BackupHealth.History(BackupHistory.Build(backups, null, AnomalyRules.FromSettings(settings), now)));
        return checks;
    }

    /// <summary>A check that throws is that check's failure, never the end of the others.</summary>
    private static HealthCheck Isolated(string name, Func<HealthCheck> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Broken(name, e);
        }
    }

    private static async Task<HealthCheck> Isolated(string name, Func<Task<HealthCheck>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Broken(name, e);
        }
    }

    private static async Task<IReadOnlyList<HealthCheck>> Isolated(string name, Func<Task<IReadOnlyList<HealthCheck>>> checks)
    {
        try
        {
            return await checks().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [Broken(name, e)];
        }
    }

    private static HealthCheck Broken(string name, Exception e) =>
        HealthCheck.Fail(name, $"The check itself failed: {(e as ScorecardException)?.ErrorId ?? e.GetType().Name}: {e.Message}", "Run it again with -Verbose; report it if it goes on.");

    /// <summary>The mail of the findings; one that cannot go (or is not confirmed) is a warning, and the checks are still returned.</summary>
    private async Task TryNotifyAsync(IReadOnlyList<HealthCheck> checks, CancellationToken cancellationToken)
    {
        if (checks.Any(c => c.Name == "Smtp" && c.Status == HealthStatus.Failed))
        {
            host.Warning("The health report was not mailed: the Smtp check failed, so it would only wait on that server.");
            return;
        }

        try
        {
            await NotifyAsync(checks, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e)
        {
            host.Warning($"The health report was not mailed ({e.ErrorId}): {e.Message}");
        }
    }

    private async Task NotifyAsync(IReadOnlyList<HealthCheck> checks, CancellationToken cancellationToken)
    {
        var failed = checks.Count(c => c.Status == HealthStatus.Failed);
        var warned = checks.Count(c => c.Status == HealthStatus.Warning);
        var facts = new NotificationFacts
        {
            Success = false,
            Headline = $"{(failed > 0 ? "❌" : "⚠️")} Backup health: {failed} failed, {warned} warning(s)",
            StatusText = failed > 0 ? "Tonight's backup, its copy or its mail may not work: see the failed checks." : "Tonight's backup should work; some things need a look.",
            Notes = checks.Where(c => c.Status != HealthStatus.Passed).Select(c => KeyValuePair.Create($"{c.Name} ({c.Status})", $"{c.Found} {c.Action}")).ToList(),
            Host = BackupNotifications.DescribeDatabase(settings),
        };
        var recipients = settings.Get(SettingNames.BackupNotificationEmail) ?? "(no recipient configured)";
        if (await host.ShouldProcessAsync(recipients, "Send the health report").ConfigureAwait(false))
        {
            await BackupNotifications.NotifyAsync(settings, currentDirectory, facts, null, host, cancellationToken).ConfigureAwait(false);
        }
    }
}
