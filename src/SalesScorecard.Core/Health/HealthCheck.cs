namespace SalesScorecard.Health;

/// <summary>One check of Test-ScorecardHealth: its name, its status, what it found, and what to do (null when nothing).</summary>
public sealed record HealthCheck(string Name, string Status, string Found, string? Action)
{
    public static HealthCheck Pass(string name, string found) => new(name, HealthStatus.Passed, found, null);

    public static HealthCheck Warn(string name, string found, string action) => new(name, HealthStatus.Warning, found, action);

    public static HealthCheck Fail(string name, string found, string action) => new(name, HealthStatus.Failed, found, action);

    public override string ToString() => $"{Name} {Status}: {Found}{(Action is null ? "" : $" ({Action})")}";
}
