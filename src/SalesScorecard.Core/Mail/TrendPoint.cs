namespace SalesScorecard.Mail;

/// <summary>One night of the trend a backup mail shows: when, how big the stored archive was, how long the backup took, and whether it was an anomaly.</summary>
public sealed record TrendPoint(DateTime StartedAtUtc, long StoredBytes, double? DurationSeconds, bool Anomaly);
