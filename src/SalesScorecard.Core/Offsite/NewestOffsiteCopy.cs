using System.Text.Json;
using SalesScorecard.Backup;

namespace SalesScorecard.Offsite;

/// <summary>
/// The newest backup this host knows to have a complete copy on the store, kept beside backup.log: a night on which
/// the store does not answer can still say how far behind the store is without asking it.
/// </summary>
/// <param name="Store">The store, endpoint and address (<see cref="OffsiteOptions.Describe"/>): after either changes, the old store's copies say nothing of the new one.</param>
internal sealed record NewestOffsiteCopy(string Name, DateTime StartedAt, string Store)
{
    public const string FileName = "offsite-newest.json";

    public TimeSpan Lag(DateTime nowUtc) => nowUtc > StartedAt ? nowUtc - StartedAt : TimeSpan.Zero;

    /// <summary>
    /// What a successful copy to <paramref name="store"/> recorded, or null: never copied there from here, a file that is
    /// not ours, or one dated in the future (a clock that was ahead), which must not stop later copies from being recorded.
    /// </summary>
    public static NewestOffsiteCopy? TryRead(string destination, string store)
    {
        try
        {
            return JsonSerializer.Deserialize<NewestOffsiteCopy>(File.ReadAllText(Path.Combine(destination, FileName))) is { } known &&
                   known.Store == store && known.StartedAt <= DateTime.UtcNow + BackupCatalog.ClockTolerance
                ? known
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Records <paramref name="copied"/> unless a newer copy is on record (a catch-up copies older backups).</summary>
    public static void TryRecord(string destination, string store, BackupInfo copied)
    {
        if (copied.StartedAt is not { } started || TryRead(destination, store) is { } known && known.StartedAt >= started)
        {
            return;
        }

        try
        {
            SecureFiles.WriteAllTextAtomic(Path.Combine(destination, FileName), JsonSerializer.Serialize(new NewestOffsiteCopy(copied.Name, started, store)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the lag a failed night reports depends on it; the copy itself is made and verified.
        }
    }
}
