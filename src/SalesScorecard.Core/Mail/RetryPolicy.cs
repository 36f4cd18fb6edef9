namespace SalesScorecard.Mail;

/// <summary>
/// How a send retries. Someone waiting (Send-BackupNotification, Test-SmtpSettings) gets up to three quick attempts,
/// none started after SMTP_TIMEOUT_SECONDS; an unattended run (-Notify) gets attempts spaced further and further apart for
/// SMTP_RETRY_SECONDS, because greylisting servers defer a first attempt for minutes (postgrey: 5).
/// </summary>
public sealed class RetryPolicy
{
    private RetryPolicy(TimeSpan window, TimeSpan firstDelay, int maxAttempts, bool oneDeadline)
    {
        Window = window;
        FirstDelay = firstDelay;
        MaxAttempts = maxAttempts;
        OneDeadline = oneDeadline;
    }

    /// <summary>No retry starts after this much time since the first attempt.</summary>
    public TimeSpan Window { get; }

    public TimeSpan FirstDelay { get; }

    public int MaxAttempts { get; }

    /// <summary>Whether the retries must start within SMTP_TIMEOUT_SECONDS (someone is waiting) rather than SMTP_RETRY_SECONDS.</summary>
    public bool OneDeadline { get; }

    public static RetryPolicy Quick(MailSettings settings) => new(settings.Timeout, TimeSpan.FromMilliseconds(500), 3, oneDeadline: true);

    /// <summary>
    /// Spaced attempts for <paramref name="window"/> (a twentieth of it first, at least a second, doubling each time),
    /// each with its own SMTP_TIMEOUT_SECONDS; a window of zero means <see cref="Quick"/>.
    /// </summary>
    public static RetryPolicy Patient(MailSettings settings, TimeSpan window) =>
        window <= TimeSpan.Zero
            ? Quick(settings)
            : new(window, TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, window.Ticks / 20)), int.MaxValue, oneDeadline: false);

    /// <summary>The pause after a failed attempt, with jitter, so that several hosts retrying at once do not retry in step.</summary>
    public TimeSpan Delay(int attempt) =>
        FirstDelay * (1 << Math.Min(attempt - 1, 16)) + FirstDelay * Random.Shared.NextDouble() / 2;

    public bool MayRetry(int attempt, TimeSpan elapsedAfterDelay) => attempt < MaxAttempts && elapsedAfterDelay < Window;

    public int Percent(TimeSpan elapsed) => (int)Math.Min(99, elapsed.Ticks * 100 / Math.Max(1, Window.Ticks));
}
