using System.Globalization;
using System.Text.Json;
using SalesScorecard.Backup;
using SalesScorecard.Offsite;

namespace SalesScorecard.Mail;

/// <summary>What a notification says. Built from a backup, a failure, or upstream's JSON details.</summary>
public sealed record NotificationFacts
{
    public required bool Success { get; init; }

    public DateTime TimeUtc { get; init; } = DateTime.UtcNow;

    /// <summary>Replaces the standard subject and heading, e.g. for the SMTP test message.</summary>
    public string? Headline { get; init; }

    /// <summary>Replaces the standard status line, e.g. to say that a mail is only a test.</summary>
    public string? StatusText { get; init; }

    /// <summary>Further label and value pairs, shown after the time.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Notes { get; init; } = [];

    /// <summary>For the watchdog: the newest successful backup is from then (or none has been made since then).</summary>
    public DateTime? StaleSinceUtc { get; init; }

    public string? BackupName { get; init; }

    public string? Location { get; init; }

    public string? Size { get; init; }

    public string? TotalRows { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Tables { get; init; } = [];

    /// <summary>Each table's change since the previous verified backup ("+2", "-55"); empty when there is none to compare with.</summary>
    public IReadOnlyDictionary<string, string> TableChanges { get; init; } = new Dictionary<string, string>();

    /// <summary>The tables whose change is an anomaly: marked in the mail.</summary>
    public IReadOnlySet<string> AnomalousTables { get; init; } = new HashSet<string>();

    /// <summary>The last nights' backups, oldest first, as the mail's trend shows them; empty for none.</summary>
    public IReadOnlyList<TrendPoint> Trend { get; init; } = [];

    public TimeSpan? Duration { get; init; }

    public bool? Verified { get; init; }

    /// <summary>How the archive is stored, e.g. "zstd:1, encrypted (age)"; null when unknown.</summary>
    public string? Storage { get; init; }

    public string? Database { get; init; }

    public string? Host { get; init; }

    public string? ErrorId { get; init; }

    public string? ErrorMessage { get; init; }

    public IReadOnlyList<string> LogTail { get; init; } = [];

    /// <summary>Where the offsite copy went and whether it was verified; null when none was made.</summary>
    public string? Offsite { get; init; }

    /// <summary>How old the newest complete offsite copy is, and what this run caught up; "unknown: ..." when a copy failed with none on record; null without a copy.</summary>
    public string? OffsiteLag { get; init; }

    /// <param name="failures">
    /// Why the night failed after the backup was made: its offsite copy (a local backup that is fine without one), the
    /// pin that could not be made after an anomaly, or AnomalyDetected under BACKUP_ANOMALY_FAILS.
    /// </param>
    public static NotificationFacts FromBackup(BackupInfo backup, IReadOnlyList<ScorecardException>? failures = null, IReadOnlyList<string>? logTail = null)
    {
        failures ??= [];
        var anomalies = backup.Anomalies ?? new ReadableList<History.BackupAnomaly>([]);
        var offsiteFailed = failures.Any(f => f.Error == ScorecardErrors.OffsiteCopyFailed);
        var status = new List<string>();
        if (anomalies.Count > 0)
        {
            status.Add(failures.FirstOrDefault(f => f.Error == ScorecardErrors.BackupPinFailed) is { } pin
                ? $"The backup is {(backup.Verified ? "verified" : "made")}, but since the previous verified backup: {anomalies}. That previous backup is NOT pinned: {pin.Message}"
                : $"The backup is {(backup.Verified ? "verified" : "made")}, but since the previous verified backup: {anomalies}. That previous backup is pinned: retention keeps it until it is released.");
        }

        if (offsiteFailed)
        {
            status.Add("The local backup is fine; its offsite copy failed and does not count");
        }

        return Facts(backup, failures.FirstOrDefault(), logTail) with
        {
            Success = backup.Status == BackupStatus.Succeeded && failures.Count == 0 && anomalies.Count == 0,
            Headline = anomalies.Count > 0
                ? $"⚠️ Backup made, but data vanished: {string.Join("; ", anomalies.Take(2))}{(anomalies.Count > 2 ? $" (and {anomalies.Count - 2} more)" : "")}"
                : offsiteFailed ? "⚠️ Local backup made, offsite copy FAILED" : null,
            StatusText = status.Count == 0 ? null : string.Join(". ", status),
        };
    }

    /// <summary>Adds what the history says of <paramref name="backupName"/>: its tables' change and the last <paramref name="nights"/> nights' trend.</summary>
    internal NotificationFacts WithHistory(string backupName, IReadOnlyList<History.BackupHistoryEntry> newestFirst, int nights = 14)
    {
        var entry = newestFirst.FirstOrDefault(e => e.Name == backupName);
        var changes = entry?.TableChanges?.Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => ((long)e.Value!).ToString("+0;-0;0", CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return this with
        {
            TableChanges = changes ?? new Dictionary<string, string>(),
            AnomalousTables = entry?.Anomalies.Where(a => a.Table is not null).Select(a => a.Table!).ToHashSet(StringComparer.Ordinal) ?? [],
            // The same database on the same server only: staging's backups in the same folder are not tonight's trend.
            Trend = newestFirst.Where(e => e.Status == BackupStatus.Succeeded && e.StartedAt is not null && e.Database == entry?.Database && e.Host == entry?.Host)
                .Take(nights).Reverse()
                .Select(e => new TrendPoint(e.StartedAt!.Value, e.StoredBytes, e.DurationSeconds, e.Anomalies.Count > 0)).ToList(),
        };
    }

    /// <summary>What every backup's mail says about it.</summary>
    private static NotificationFacts Facts(BackupInfo backup, ScorecardException? failure, IReadOnlyList<string>? logTail) => new()
    {
        Success = backup.Status == BackupStatus.Succeeded,
        Offsite = backup.Offsite is null ? null : backup.OffsiteVerified == true
            ? $"{backup.Offsite} (verified: every object read back with its size and SHA-256)"
            : $"{backup.Offsite} (FAILED: no complete copy is on the store)",
        OffsiteLag = DescribeLag(backup),
        ErrorId = failure?.ErrorId,
        ErrorMessage = failure?.Message,
        LogTail = logTail ?? [],
        TimeUtc = backup.CompletedAt ?? DateTime.UtcNow,
        BackupName = backup.Name,
        Location = backup.Path,
        Size = backup.Size,
        TotalRows = backup.TotalRows.ToString(CultureInfo.InvariantCulture),
        Tables = backup.Tables.Cast<System.Collections.DictionaryEntry>()
            .Select(e => KeyValuePair.Create((string)e.Key, Convert.ToString(e.Value, CultureInfo.InvariantCulture) ?? string.Empty)).ToList(),
        Duration = backup.CompletedAt - backup.StartedAt,
        Verified = backup.Verified,
        Storage = backup.Compression is null ? null : backup.Encrypted ? $"{backup.Compression}, encrypted (age)" : $"{backup.Compression}, not encrypted",
        Database = backup.Database,
        Host = backup.Host,
    };

    private static string? DescribeLag(BackupInfo backup)
    {
        if (backup.Offsite is null || backup.OffsiteLagHours is not { } hours)
        {
            return backup.Offsite is null || backup.OffsiteVerified == true ? null : "unknown: no complete copy to this store is on record";
        }

        var lag = $"{hours.ToString("0.0", CultureInfo.InvariantCulture)} hours (the age of the newest complete copy on the store)";
        return backup.OffsiteCaughtUp is > 0 and var caughtUp ? $"{lag}; {caughtUp} earlier backup(s) whose copy was missing were copied this run" : lag;
    }

    /// <summary>
    /// What the watchdog (Test-ScorecardBackup -Notify) reports, or null when all is well: an alert when the newest
    /// successful backup is older than <paramref name="maxAge"/> or there is none, else a failure when a check failed.
    /// </summary>
    public static NotificationFacts? FromBackupTest(BackupTestResult? result, BackupInfo? latest, TimeSpan? maxAge, DateTime nowUtc)
    {
        var freshness = result?.Checks.FirstOrDefault(c => c.Check == "Freshness");
        var offsite = result?.Checks.FirstOrDefault(c => c.Check == OffsiteBackups.FreshnessCheck && !c.Passed);
        if (maxAge is { } age && (latest is null || freshness is { Passed: false }))
        {
            return new NotificationFacts
            {
                Success = false,
                TimeUtc = nowUtc,
                StaleSinceUtc = latest?.CompletedAt ?? nowUtc - age,
                BackupName = latest?.Name,
                Location = latest?.Path,
                ErrorId = (latest is null ? ScorecardErrors.BackupNotFound : ScorecardErrors.BackupStale).Id,
                ErrorMessage = (freshness?.Detail ?? "There is no successful backup at all.") + (offsite is null ? "" : $"\n{offsite.Check}: {offsite.Detail}"),
            };
        }

        if (result is not { Passed: false })
        {
            return null;
        }

        var failed = result.Checks.Where(c => !c.Passed).ToList();
        var offsiteOnly = OffsiteOnly(failed);
        return new NotificationFacts
        {
            Success = false,
            TimeUtc = nowUtc,
            Headline = offsiteOnly?.Headline,
            StatusText = offsiteOnly?.Status,
            BackupName = result.Name,
            Location = result.Path,
            ErrorId = ScorecardErrors.BackupTestFailed.Id,
            ErrorMessage = string.Join("\n", failed.Select(c => $"{c.Check}: {c.Detail}")),
        };
    }

    /// <summary>
    /// When the offsite check is the only one that failed, the mail says so: the local backups are fine, and the offsite
    /// copies are stale or the store could not be asked. "Database Backup Failed" would send the admin to the wrong place.
    /// </summary>
    private static (string Headline, string Status)? OffsiteOnly(IReadOnlyList<BackupCheck> failed)
    {
        if (failed is not [{ Check: OffsiteBackups.FreshnessCheck } offsite])
        {
            return null;
        }

        // A check that failed with an error id ("OffsiteAccessDenied: ...") could not look at the copies at all.
        var errorId = offsite.Detail.IndexOf(':') is > 0 and var colon && offsite.Detail[..colon].All(char.IsAsciiLetter) ? offsite.Detail[..colon] : null;
        const string localFine = "The local backups are fine (the newest is fresh and passed its test)";
        return errorId switch
        {
            null => ("⚠️ Offsite copy stale, local backups fine", $"{localFine}; the newest offsite copy is too old or missing: the offsite copies stopped"),
            _ when errorId == ScorecardErrors.OffsiteNotReachable.Id =>
                ("⚠️ Offsite store not reachable, local backups fine", $"{localFine}; the store that holds the offsite copies did not answer"),
            _ => ("⚠️ Offsite store could not be checked, local backups fine", $"{localFine}; the store that holds the offsite copies could not be checked ({errorId})"),
        };
    }

    public static NotificationFacts FromFailure(string errorId, string message, IReadOnlyList<string> logTail, string? database = null, string? host = null) => new()
    {
        Success = false,
        ErrorId = errorId,
        ErrorMessage = message,
        LogTail = logTail,
        Database = database,
        Host = host,
    };

    /// <summary>Test-SmtpSettings -SendTestMessage: says it is a test, and which settings it went through (never a secret).</summary>
    public static NotificationFacts ForSmtpTest(MailSettings mail, string? tls) => new()
    {
        Success = true,
        Headline = "SalesScorecard SMTP test",
        StatusText = "A test message from Test-SmtpSettings: no backup was made or checked",
        Notes =
        [
            KeyValuePair.Create("Server", mail.Server),
            KeyValuePair.Create("Security", tls is null ? mail.Security.ToString() : $"{mail.Security} ({tls})"),
            KeyValuePair.Create("Login", mail.User ?? "none (no SMTP_USER)"),
            KeyValuePair.Create("From", mail.From.ToString()),
            KeyValuePair.Create("To", string.Join(", ", mail.Recipients.Select(r => r.Address))),
            KeyValuePair.Create("Sent from", LocalHost.FullyQualifiedName ?? Environment.MachineName),
        ],
    };

    /// <summary>
    /// What the module knows about a failure beyond upstream's JSON: the database, and, when backup.log's newest run
    /// failed within the last hour (a run this failure mail is about), its error id and lines.
    /// </summary>
    public NotificationFacts WithRunContext(string? database, IReadOnlyList<string> latestRun, DateTime nowUtc) =>
        BackupLog.FailureOf(latestRun, nowUtc - TimeSpan.FromHours(1)) is { } errorId
            ? this with { Host = Host ?? database, ErrorId = ErrorId ?? errorId, LogTail = latestRun }
            : this with { Host = Host ?? database };

    /// <summary>
    /// Upstream's send-backup-notification.js details, exactly: backupPath, backupFullPath, backupDir, backupSize,
    /// totalRows (string or number), tables (table to rows) and error.
    /// </summary>
    public static NotificationFacts FromUpstreamDetails(bool success, IReadOnlyDictionary<string, object?> details)
    {
        string? Text(string key) => details.TryGetValue(key, out var value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture)
            : null;

        var tables = details.TryGetValue("tables", out var raw) && raw is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.Select(p => KeyValuePair.Create(p.Key, Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? string.Empty)).ToList()
            : [];
        return new NotificationFacts
        {
            Success = success,
            BackupName = Text("backupPath"),
            Location = Text("backupFullPath") ?? Text("backupDir"),
            Size = Text("backupSize"),
            TotalRows = Text("totalRows"),
            Tables = tables,
            ErrorMessage = Text("error"),
        };
    }

    /// <summary>Reads upstream's JSON details into the dictionary <see cref="FromUpstreamDetails"/> takes.</summary>
    public static IReadOnlyDictionary<string, object?> ParseUpstreamJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the details must be a JSON object");
            }

            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => ToValue(p.Value), StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new ScorecardException(ScorecardErrors.InvalidDetails,
                $"-Details is not the JSON object send-backup-notification.js takes: {e.Message}");
        }
    }

    private static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, ToValue(p.Value))).ToList(),
        JsonValueKind.Null => null,
        JsonValueKind.String => element.GetString(),
        _ => element.GetRawText(),
    };
}
