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

            return HealthCheck.Pass("PgTools", $"{tools.PgDump} ({tools.VersionText}), pg_restore beside it{(server is null ? "" : $"; can dump PostgreSQL {serverText}")}");
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
        if (repositories.CopyTarget is not { } store)
        {
            return repositories.PrimaryStore is null
                ? HealthCheck.Warn("Offsite", "No offsite copies (BACKUP_S3_URL is not set): a lost host loses every backup.", "Set BACKUP_S3_URL and the store's keys.")
                : HealthCheck.Pass("Offsite", $"Backups go straight to {repositories.PrimaryStore.Address}.");
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
        return probe.Passed
            ? HealthCheck.Pass("Smtp", $"{probe.Host}:{probe.Port} ({probe.Security}) answers and accepts the login; no message was sent.")
            : HealthCheck.Fail("Smtp", failed?.ToString() ?? string.Join("; ", probe.Steps), string.Join(" ", probe.Advice));
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

        var gone = entries.SelectMany(e => PathsOf(e.Command).Where(p => !File.Exists(p) && !Directory.Exists(p)).Select(p => $"{e.Name} ({e.Kind}): {p}")).ToList();
        return gone.Count == 0
            ? HealthCheck.Pass("Schedule", string.Join("; ", entries.Select(e => $"{e.Name} {e.Kind} at {e.Schedule}")))
            : HealthCheck.Fail("Schedule", $"A registered line names what is gone: {string.Join("; ", gone)}",
                "Register-ScorecardBackupSchedule -Force again, from the pwsh and module that should run it.");
    }

    /// <summary>The absolute paths a scheduled line runs: its pwsh and the module it imports.</summary>
    private static IEnumerable<string> PathsOf(string command) =>
        PathPattern().Matches(command).Select(m => m.Groups["path"].Value).Where(p => p.EndsWith("pwsh", StringComparison.Ordinal) || p.EndsWith(".psd1", StringComparison.Ordinal) ||
                                                                                     p.EndsWith("pwsh.exe", StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"(?<path>(?:/|[A-Za-z]:\\)[^\s'""]+)")]
    private static partial Regex PathPattern();
}
