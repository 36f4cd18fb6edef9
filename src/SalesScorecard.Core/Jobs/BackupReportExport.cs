using SalesScorecard.History;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>Export-ScorecardBackupReport's work: the history (<see cref="HistoryListing"/>) rendered into one HTML file, written whole or not at all.</summary>
internal static class BackupReportExport
{
    /// <summary>Returns the report's path, once written.</summary>
    public static async Task<string> WriteAsync(
        ScorecardSettings settings, string currentDirectory, string path, DateTime? sinceUtc, int? last, bool skipStore, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var history = await new HistoryListing(settings, currentDirectory, reporter).ReadAsync(sinceUtc, last, null, skipStore, cancellationToken).ConfigureAwait(false);
        var source = settings.GetPath(SettingNames.BackupDir, currentDirectory) ?? "BACKUP_DIR";
        try
        {
            SecureFiles.WriteAllTextAtomic(path, BackupReport.Render(history, source, DateTime.UtcNow));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException(ScorecardErrors.DestinationNotWritable, $"Cannot write the report to '{path}': {e.Message}", path, e);
        }

        return path;
    }
}
