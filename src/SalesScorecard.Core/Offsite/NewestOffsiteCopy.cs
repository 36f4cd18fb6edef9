using System.Text.Json;

namespace SalesScorecard.Offsite;

/// <summary>
/// The newest backup this host knows to have a complete copy on the store, kept beside backup.log: a night on which
/// the store does not answer can still say how far behind the store is without asking it.
/// </summary>
internal sealed record NewestOffsiteCopy(string Name, DateTime StartedAt)
{
    public const string FileName = "offsite-newest.json";

    public TimeSpan Lag(DateTime nowUtc) => nowUtc - StartedAt;

    /// <summary>What a successful copy recorded, or null: never copied from here, or a file that is not ours.</summary>
    public static NewestOffsiteCopy? TryRead(string destination)
    {
        try
        {
            return JsonSerializer.Deserialize<NewestOffsiteCopy>(File.ReadAllText(Path.Combine(destination, FileName)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Records <paramref name="copied"/> unless an older copy than the one recorded (a catch-up) was made.</summary>
    public static void TryRecord(string destination, BackupInfo copied)
    {
        if (copied.StartedAt is not { } started || TryRead(destination) is { } known && known.StartedAt >= started)
        {
            return;
        }

        try
        {
            SecureFiles.WriteAllTextAtomic(Path.Combine(destination, FileName), JsonSerializer.Serialize(new NewestOffsiteCopy(copied.Name, started)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the lag a failed night reports depends on it; the copy itself is made and verified.
        }
    }
}
