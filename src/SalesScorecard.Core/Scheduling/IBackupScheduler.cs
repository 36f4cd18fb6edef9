namespace SalesScorecard.Scheduling;

/// <summary>The operating system's scheduler: cron on Linux and macOS, Task Scheduler on Windows.</summary>
public interface IBackupScheduler
{
    /// <summary>Our entries, all or those of one name.</summary>
    Task<IReadOnlyList<ScheduleEntry>> ListAsync(string? name, CancellationToken cancellationToken);

    /// <summary>Adds the request's entries, replacing any of that name; returns them.</summary>
    Task<IReadOnlyList<ScheduleEntry>> RegisterAsync(ScheduleRequest request, CancellationToken cancellationToken);

    /// <summary>Removes exactly the entries of that name and of those kinds (null: every kind); returns them.</summary>
    Task<IReadOnlyList<ScheduleEntry>> UnregisterAsync(string name, IReadOnlyCollection<string>? kinds, CancellationToken cancellationToken);
}

public static class BackupSchedulers
{
    public static IBackupScheduler ForThisMachine() =>
        OperatingSystem.IsWindows() ? new WindowsTaskScheduler() : new CronScheduler();
}
