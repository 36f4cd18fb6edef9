namespace SalesScorecard;

/// <summary>What one step of Test-SmtpSettings found. Names, not an enum: ConvertTo-Json and Export-Csv write them as they read.</summary>
public static class SmtpStepStatus
{
    public const string Passed = nameof(Passed);

    public const string Failed = nameof(Failed);

    public const string Skipped = nameof(Skipped);

    public const string Warning = nameof(Warning);
}

/// <summary>One stage of Test-SmtpSettings: Settings, Dns, Connect, Ehlo, Tls, Authenticate, Envelope or Send.</summary>
public sealed record SmtpTestStep(string Step, string Status, double DurationSeconds, string Detail)
{
    public override string ToString() => $"{Step} {Status}: {Detail}";
}

public sealed class SmtpTestResult
{
    public required bool Passed { get; init; }

    public string? Host { get; init; }

    public int? Port { get; init; }

    public string? Security { get; init; }

    public required ReadableList<SmtpTestStep> Steps { get; init; }

    /// <summary>What to change, in plain words, for each step that failed or warned.</summary>
    public required ReadableList<string> Advice { get; init; }
}
