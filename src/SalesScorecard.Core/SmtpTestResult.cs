namespace SalesScorecard;

public enum SmtpStepStatus
{
    Passed,
    Failed,
    Skipped,
    Warning,
}

/// <summary>One stage of Test-SmtpSettings: Settings, Dns, Connect, Ehlo, Tls, Authenticate, Envelope or Send.</summary>
public sealed record SmtpTestStep(string Step, SmtpStepStatus Status, TimeSpan Duration, string Detail);

public sealed class SmtpTestResult
{
    public required bool Passed { get; init; }

    public string? Host { get; init; }

    public int? Port { get; init; }

    public string? Security { get; init; }

    public required IReadOnlyList<SmtpTestStep> Steps { get; init; }

    /// <summary>What to change, in plain words, for each step that failed or warned.</summary>
    public required IReadOnlyList<string> Advice { get; init; }
}
