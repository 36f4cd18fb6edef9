using System.Globalization;
using System.Security.Cryptography;

namespace SalesScorecard.Backup;

/// <summary>The backups in a destination folder: listing, integrity, and retention.</summary>
public static class BackupCatalog
{
    public const string FolderPrefix = "backup-";
    public const string PartialSuffix = ".partial";
    public const string NameFormat = "yyyy-MM-ddTHH-mm-ss";

    /// <summary>
    /// Every <c>backup-*</c> folder, newest first. One without a readable manifest is reported as Incomplete,
    /// never thrown on.
    /// </summary>
    public static IReadOnlyList<BackupInfo> List(string destination)
    {
        if (!Directory.Exists(destination))
        {
            return [];
        }

        return Directory.EnumerateDirectories(destination, FolderPrefix + "*")
            .Select(Read)
            .OrderByDescending(b => b.StartedAt ?? DateTime.MinValue)
            .ThenByDescending(b => b.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Reads one backup folder's manifest.</summary>
    public static BackupInfo Read(string folder)
    {
        string? problem;
        try
        {
            if (TryReadManifest(folder, out problem) is { } manifest)
            {
                var info = manifest.ToBackupInfo(folder);
                if (ReadPin(folder) is { } pin)
                {
                    info.Pinned = true;
                    info.PinReason = pin.Reason;
                }

                if (ReadDrill(folder) is { } drill)
                {
                    info.DrillPassed = drill.Passed;
                    info.DrilledAt = drill.DrilledAt;
                }

                return info;
            }
        }
        catch (Exception e)
        {
            // One broken folder must never break listing, retention or the watchdog for the others.
            problem = $"manifest.json cannot be used: {e.Message}";
        }

        return new BackupInfo
        {
            Name = Path.GetFileName(folder),
            Path = folder,
            Status = BackupStatus.Incomplete,
            StartedAt = TimeFromName(Path.GetFileName(folder)),
            Error = problem,
        };
    }

    /// <summary>The pin in a backup folder, or null when it is not pinned.</summary>
    public static History.BackupPin? ReadPin(string folder)
    {
        var path = Path.Combine(folder, History.BackupPin.FileName);
        try
        {
            return File.Exists(path) ? History.BackupPin.Parse(File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A pin that cannot be read still pins: keeping a backup is the safe side, and it is still the backup it was.
            return History.BackupPin.Unreadable();
        }
    }

    /// <summary>The last restore drill recorded in a backup folder, or null.</summary>
    private static History.DrillRecord? ReadDrill(string folder)
    {
        var path = Path.Combine(folder, History.DrillRecord.FileName);
        try
        {
            return File.Exists(path) ? History.DrillRecord.TryParse(File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads a backup folder's manifest, or fails with BackupManifestInvalid.</summary>
    public static BackupManifest ReadManifest(string folder) => TryReadManifest(folder, out var problem) ?? throw NotABackup(folder, problem);

    /// <summary>BackupManifestInvalid: the folder holds no usable backup, for the reason given.</summary>
    public static ScorecardException NotABackup(string folder, string? problem) =>
        new(ScorecardErrors.BackupManifestInvalid, $"'{folder}' is not a usable backup: {problem}", folder);

    public static BackupManifest? TryReadManifest(string folder, out string? problem)
    {
        problem = null;
        var path = Path.Combine(folder, BackupManifest.FileName);
        if (folder.EndsWith(PartialSuffix, StringComparison.Ordinal))
        {
            problem = "The backup never finished (a .partial folder).";
            return null;
        }

        if (!File.Exists(path))
        {
            problem = "The folder has no manifest.json.";
            return null;
        }

        try
        {
            var manifest = BackupManifest.Deserialize(File.ReadAllText(path));
            problem = manifest.Producer != BackupManifest.ProducerName
                ? "manifest.json was not written by SalesScorecard."
                : manifest.Problem();
            return problem is null ? manifest : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problem = $"manifest.json cannot be read: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// How far ahead of this machine's clock a manifest may claim to have been written before it is not believed: a
    /// clock that once ran ahead leaves backups that would otherwise sort as the newest for as long as it ran ahead.
    /// </summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromMinutes(5);

    /// <summary>A backup whose manifest says it started or finished later than now: its age cannot be known.</summary>
    public static bool IsFutureDated(BackupInfo backup, DateTime now) =>
        backup.StartedAt > now + ClockTolerance || backup.CompletedAt > now + ClockTolerance;

    /// <summary>
    /// The newest successful backup in the destination, or null. One dated in the future is taken only when there is
    /// no other, so that a clock that ran ahead never hides the real newest backup (the freshness check fails it).
    /// </summary>
    public static BackupInfo? Latest(string destination) => Newest(List(destination), DateTime.UtcNow);

    /// <summary>The newest successful backup of a listing (newest first), on disk or on the store, by the rule of <see cref="Latest"/>.</summary>
    public static BackupInfo? Newest(IEnumerable<BackupInfo> newestFirst, DateTime nowUtc) =>
        newestFirst.Where(b => b.Status == BackupStatus.Succeeded).OrderBy(b => IsFutureDated(b, nowUtc)).FirstOrDefault();

    /// <summary>A folder backups are read from must exist: an empty list would hide a typo or a disk that is not mounted.</summary>
    public static void RequireFolder(string destination)
    {
        if (!Directory.Exists(destination))
        {
            throw new ScorecardException(ScorecardErrors.DestinationNotFound,
                $"The backup folder '{destination}' does not exist. Check -Destination or BACKUP_DIR for a typo, or mount the disk it is on.", destination);
        }
    }

    public static ScorecardException NoBackup(string destination) =>
        new(ScorecardErrors.BackupNotFound, $"There is no successful backup in '{destination}'.", destination);

    /// <summary>
    /// What retention does with the backups of a destination. Only our successful backups dated in the past take part:
    /// the newest <paramref name="keepLast"/> that are verified and still match their checksums are kept whatever their
    /// age (an unverified or damaged backup never stands in for a good one), and the rest older than
    /// <paramref name="retentionDays"/> expire. <paramref name="justMade"/>, the backup this run made, never expires.
    /// A backup dated in the future neither expires nor counts toward the floor: its age is unknown until the clock
    /// passes it. Incomplete folders and anything else are never selected. <paramref name="isIntact"/> is asked only
    /// for the backups the floor needs, newest first, since it reads them whole.
    /// </summary>
    public static RetentionPlan PlanRetention(
        IEnumerable<BackupInfo> backups, int retentionDays, int keepLast, DateTime now, string? justMade, Func<BackupInfo, bool> isIntact)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        var cutoff = now.AddDays(-retentionDays);
        var succeeded = backups.Where(b => b.Status == BackupStatus.Succeeded && b.StartedAt is not null).ToList();
        var futureDated = succeeded.Where(b => IsFutureDated(b, now)).ToList();
        var dated = succeeded.Except(futureDated).OrderByDescending(b => b.StartedAt).ToList();

        var kept = new HashSet<BackupInfo>();
        var damaged = new List<BackupInfo>();
        foreach (var backup in dated.Where(b => b.Verified))
        {
            if (kept.Count == keepLast)
            {
                break;
            }

            if (backup.Name == justMade || isIntact(backup))
            {
                kept.Add(backup);
            }
            else
            {
                damaged.Add(backup);
            }
        }

        // A pinned backup (the last good one before an anomaly, or a legal hold) is never removed.
        var expired = dated.Where(b => !kept.Contains(b) && b.Name != justMade && !b.Pinned && b.StartedAt < cutoff).ToList();
        return new RetentionPlan(expired, futureDated, damaged);
    }

    /// <summary>True when every file of the backup matches the SHA-256 its manifest records.</summary>
    public static bool MatchesChecksums(BackupInfo backup)
    {
        try
        {
            return TryReadManifest(backup.Path, out _) is { } manifest && Repository.LocalFolderRepository.FindChecksumMismatches(backup.Path, manifest).Count == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static string Sha256Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>When a backup named backup-yyyy-MM-ddTHH-mm-ss started, from its name; null for another name.</summary>
    public static DateTime? TimeFromName(string name)
    {
        var stamp = name.Length >= FolderPrefix.Length + NameFormat.Length ? name.Substring(FolderPrefix.Length, NameFormat.Length) : string.Empty;
        return DateTime.TryParseExact(stamp, NameFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}
