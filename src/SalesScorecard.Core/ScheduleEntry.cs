namespace SalesScorecard;

/// <summary>The kinds of scheduled job: the nightly backup and the morning watchdog. Names, not an enum: ConvertTo-Json and Export-Csv write them as they read.</summary>
public static class ScheduleKind
{
    public const string Backup = nameof(Backup);

    public const string Watchdog = nameof(Watchdog);

    public static IReadOnlyList<string> All { get; } = [Backup, Watchdog];

    /// <summary>The kind <paramref name="text"/> names, in any case (as -Kind takes it), spelled as the markers spell it; null for none.</summary>
    public static string? Find(string text) => All.FirstOrDefault(kind => kind.Equals(text, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One scheduled job of ours: the nightly backup or the morning watchdog.</summary>
public sealed record ScheduleEntry(string Name, string Kind, string Schedule, string Command, string Platform);
