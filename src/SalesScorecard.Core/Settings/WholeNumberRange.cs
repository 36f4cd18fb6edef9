namespace SalesScorecard.Settings;

/// <summary>
/// The range a whole-number setting must lie in. The cmdlets' ValidateRange attributes name the same constants, so
/// that a parameter and the setting it overrides can never disagree.
/// </summary>
internal sealed record WholeNumberRange(int Minimum, int Maximum)
{
    public const int RetentionDaysMinimum = 0;
    public const int RetentionDaysMaximum = 36500;
    public const int KeepMinMinimum = 1;
    public const int KeepMinMaximum = 10000;
    public const int RetrySecondsMinimum = 0;
    public const int RetrySecondsMaximum = 86400;
    public const int PortMinimum = 1;
    public const int PortMaximum = 65535;

    public static readonly WholeNumberRange RetentionDays = new(RetentionDaysMinimum, RetentionDaysMaximum);
    public static readonly WholeNumberRange KeepMin = new(KeepMinMinimum, KeepMinMaximum);
    public static readonly WholeNumberRange RetrySeconds = new(RetrySecondsMinimum, RetrySecondsMaximum);
    public static readonly WholeNumberRange Port = new(PortMinimum, PortMaximum);
    public static readonly WholeNumberRange SmtpTimeoutSeconds = new(1, 600);
    public static readonly WholeNumberRange StallSeconds = new(1, 86400);
    public static readonly WholeNumberRange StoreTimeoutSeconds = new(1, 3600);
    public static readonly WholeNumberRange Percent = new(1, 100);
    public static readonly WholeNumberRange AnomalyMinRows = new(1, 1_000_000_000);

    public bool Contains(int value) => value >= Minimum && value <= Maximum;
}
