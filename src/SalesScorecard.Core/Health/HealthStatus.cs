namespace SalesScorecard.Health;

/// <summary>What a health check found: all well, something to look at, or a night that will not work.</summary>
public static class HealthStatus
{
    public const string Passed = nameof(Passed);
    public const string Warning = nameof(Warning);
    public const string Failed = nameof(Failed);
}
