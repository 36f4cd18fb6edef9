namespace SalesScorecard;

public enum ScheduleKind
{
    Backup,
    Watchdog,
}

/// <summary>One scheduled job of ours: the nightly backup or the morning watchdog.</summary>
public sealed record ScheduleEntry(string Name, ScheduleKind Kind, string Schedule, string Command, string Platform);
