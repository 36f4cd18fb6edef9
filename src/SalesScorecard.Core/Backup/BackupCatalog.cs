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
        var manifest = TryReadManifest(folder, out var problem);
        return manifest?.ToBackupInfo(folder) ?? new BackupInfo
        {
            Name = Path.GetFileName(folder),
            Path = folder,
            Status = BackupStatus.Incomplete,
            StartedAt = TimeFromName(Path.GetFileName(folder)),
            Error = problem,
        };
    }

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

    /// <summary>The newest successful backup in the destination, or null.</summary>
    public static BackupInfo? Latest(string destination) =>
        List(destination).FirstOrDefault(b => b.Status == BackupStatus.Succeeded);

    public static ScorecardException NoBackup(string destination) =>
        new("BackupNotFound", ScorecardErrorCategory.ObjectNotFound, $"There is no successful backup in '{destination}'.", destination);

    /// <summary>
    /// The backups retention removes: our successful backups older than <paramref name="retentionDays"/>, except the
    /// newest <paramref name="keepLast"/> verified ones (an unverified backup never stands in for a good one).
    /// Incomplete folders and anything else are never selected.
    /// </summary>
    public static IReadOnlyList<BackupInfo> SelectExpired(IEnumerable<BackupInfo> backups, int retentionDays, int keepLast, DateTime now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        var cutoff = now.AddDays(-retentionDays);
        var ours = backups.Where(b => b.Status == BackupStatus.Succeeded && b.StartedAt is not null).OrderByDescending(b => b.StartedAt).ToList();
        var kept = ours.Where(b => b.Verified).Take(keepLast).ToHashSet();
        return ours.Where(b => !kept.Contains(b) && b.StartedAt < cutoff).ToList();
    }

    public static string Sha256Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static DateTime? TimeFromName(string name)
    {
        var stamp = name.Length >= FolderPrefix.Length + NameFormat.Length ? name.Substring(FolderPrefix.Length, NameFormat.Length) : string.Empty;
        return DateTime.TryParseExact(stamp, NameFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}
