using System.Text.RegularExpressions;
using SalesScorecard.Backup;
using SalesScorecard.Mail;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;
using SalesScorecard.Scheduling;
using SalesScorecard.Settings;

namespace SalesScorecard.Health;

/// <summary>The checks around the backups: pg_dump, encryption, the store, mail and the schedule.</summary>
internal static partial class EnvironmentHealth
{
    public static async Task<HealthCheck> PgToolsAsync(ScorecardSettings settings, string currentDirectory, Version? server, string? serverText, CancellationToken cancellationToken)
    {
        try
        {
            var tools = await PgTools.LocateAsync(settings.GetPath(SettingNames.PgDumpPath, currentDirectory), cancellationToken).ConfigureAwait(false);
            if (server is not null)
            {
                tools.EnsureCanDump(server, serverText!);
            }

            return server is null
                ? HealthCheck.Warn("PgTools", $"{tools.PgDump} ({tools.VersionText}), pg_restore beside it; not compared with the server, which did not answer.", "Fix the Database check first.")
                : HealthCheck.Pass("PgTools", $"{tools.PgDump} ({tools.VersionText}), pg_restore beside it; can dump PostgreSQL {serverText}");
        }
        catch (ScorecardException e)
        {
            return HealthCheck.Fail("PgTools", $"{e.ErrorId}: {e.Message}", "Install the PostgreSQL client of the server's version or newer, or set PG_DUMP_PATH.");
        }
    }

    public static HealthCheck Encryption(ScorecardSettings settings, string currentDirectory)
    {
        var recipients = settings.GetRecipients(currentDirectory);
        if (recipients.Count == 0)
        {
            return HealthCheck.Warn("Encryption", "Backups are not encrypted (no BACKUP_ENCRYPTION_RECIPIENTS).",
                "Make a key with New-ScorecardBackupKey on another machine and set its recipient here.");
        }

        var identity = settings.GetPath(SettingNames.BackupIdentityFile, currentDirectory);
        return identity is not null && File.Exists(identity)
            ? HealthCheck.Warn("Encryption", $"Encrypted to {recipients.Count} recipient(s), but the identity (private key) {identity} is on this host: whoever takes the backups takes the key.",
                "Keep the identity on another machine; copy it here only for a restore or a drill.")
            : HealthCheck.Pass("Encryption", $"Encrypted to {recipients.Count} recipient(s); no identity on this host.");
    }

    public static async Task<HealthCheck> OffsiteAsync(BackupRepositories repositories, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        // The store the backups go to: the copies' target, or the primary repository itself in remote-only mode.
        if ((repositories.CopyTarget ?? repositories.PrimaryStore) is not { } store)
        {
            return HealthCheck.Warn("Offsite", "No offsite copies (BACKUP_S3_URL is not set): a lost host loses every backup.", "Set BACKUP_S3_URL and the store's keys.");
        }

        var check = await OffsiteBackups.CheckFreshnessAsync(store, maxAge, cancellationToken).ConfigureAwait(false);
        return check.Passed
            ? HealthCheck.Pass("Offsite", check.Detail)
            : HealthCheck.Fail("Offsite", check.Detail, "Check the store, its keys and the network; the nightly job catches missed copies up once it answers.");
    }

    public static async Task<HealthCheck> SmtpAsync(ScorecardSettings settings, string currentDirectory, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        if (settings.Get(SettingNames.SmtpHost) is null)
        {
            return HealthCheck.Warn("Smtp", "No SMTP_HOST: no mail is sent, not even on a failure.", "Set SMTP_HOST, SMTP_USER, SMTP_PASS and BACKUP_NOTIFICATION_EMAIL.");
        }

        var probe = await SmtpProbe.RunAsync(settings, currentDirectory, null, sendTestMessage: false, reporter, cancellationToken).ConfigureAwait(false);
        var failed = probe.Steps.FirstOrDefault(s => s.Status == SmtpStepStatus.Failed);
        var doubtful = probe.Steps.Where(s => s.Status == SmtpStepStatus.Warning || (s.Step == "Authenticate" && s.Status == SmtpStepStatus.Skipped)).ToList();
        if (!probe.Passed)
        {
            return HealthCheck.Fail("Smtp", failed?.ToString() ?? string.Join("; ", probe.Steps), string.Join(" ", probe.Advice));
        }

        if (settings.Get(SettingNames.BackupNotificationEmail) is null || doubtful.Count > 0)
        {
            var found = string.Join("; ", doubtful.Select(s => s.ToString()).Append(settings.Get(SettingNames.BackupNotificationEmail) is null ? "BACKUP_NOTIFICATION_EMAIL is not set: no mail has a recipient" : null).OfType<string>());
            return HealthCheck.Warn("Smtp", $"{probe.Host}:{probe.Port} answers, but: {found}", probe.Advice.Count > 0 ? string.Join(" ", probe.Advice) : "Set what is missing.");
        }

        return HealthCheck.Pass("Smtp", $"{probe.Host}:{probe.Port} ({probe.Security}) answers and accepts the login; no message was sent.");
    }

    public static async Task<HealthCheck> ScheduleAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleEntry> entries;
        try
        {
            entries = await BackupSchedulers.ForThisMachine().ListAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e)
        {
            return HealthCheck.Fail("Schedule", $"{e.ErrorId}: {e.Message}", "Check that cron (or Task Scheduler) runs and may be read.");
        }

        if (!entries.Any(e => e.Kind == ScheduleKind.Backup))
        {
            return HealthCheck.Warn("Schedule", "No nightly backup is registered on this machine.", "Register-ScorecardBackupSchedule -At 02:00.");
        }

        if (entries.All(e => !PathsOf(e.Command).Any()))
        {
            return HealthCheck.Warn("Schedule", $"{string.Join("; ", entries.Select(e => $"{e.Name} {e.Kind} at {e.Schedule}"))}; its lines name no pwsh or module path that could be checked.",
                "Register-ScorecardBackupSchedule -Force again, so that the lines name them.");
        }

        var gone = entries.SelectMany(e => PathsOf(e.Command).Where(p => !Usable(p)).Select(p => $"{e.Name} ({e.Kind}): {p}")).ToList();
        return gone.Count == 0
            ? HealthCheck.Pass("Schedule", string.Join("; ", entries.Select(e => $"{e.Name} {e.Kind} at {e.Schedule}")))
            : HealthCheck.Fail("Schedule", $"A registered line names what is gone: {string.Join("; ", gone)}",
                "Register-ScorecardBackupSchedule -Force again, from the pwsh and module that should run it.");
    }

    /// <summary>A program or manifest that is there, or a version-less module folder that still holds a version of the module.</summary>
    private static bool Usable(string path) =>
        File.Exists(path) ||
        (Directory.Exists(path) && Directory.EnumerateFiles(path, Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) + ".psd1", SearchOption.AllDirectories).Any());

    /// <summary>The absolute paths a scheduled line runs (quoted ones may hold spaces): its pwsh and the module it imports.</summary>
    private static IEnumerable<string> PathsOf(string command) =>
        PathPattern().Matches(command).Select(m => m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["bare"].Value)
            .Where(p => Path.IsPathRooted(p) && (p.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase) ||
                                                 Path.GetFileName(Path.TrimEndingDirectorySeparator(p)).Equals("SalesScorecard", StringComparison.OrdinalIgnoreCase) ||
                                                 Path.GetFileNameWithoutExtension(p).Equals("pwsh", StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"'(?<quoted>[^']+)'|""(?<quoted>[^""]+)""|(?<bare>[^\s'""]+)")]
    private static partial Regex PathPattern();
}
