using System.Globalization;
using SalesScorecard.Backup;

namespace SalesScorecard.Tests.Backup;

/// <summary>Backups as a listing gives them, named and dated as a run names them, for the planners' tests.</summary>
internal static class DatedBackups
{
    /// <summary>A backup started <paramref name="daysAgo"/> days before <paramref name="now"/>.</summary>
    public static BackupInfo Made(DateTime now, double daysAgo, bool verified = true, string status = BackupStatus.Succeeded)
    {
        var started = now.AddDays(-daysAgo);
        var name = BackupCatalog.FolderPrefix + started.ToString(BackupCatalog.NameFormat, CultureInfo.InvariantCulture);
        return new BackupInfo { Name = name, Path = "/backups/" + name, Status = status, StartedAt = started, CompletedAt = started.AddMinutes(1), Verified = verified };
    }
}
