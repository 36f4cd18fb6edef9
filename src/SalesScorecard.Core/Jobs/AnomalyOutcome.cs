namespace SalesScorecard.Jobs;

/// <summary>What the anomaly phase hands on: why it fails the night (AnomalyDetected, or the pin that could not be made), and whether retention must wait.</summary>
/// <param name="HoldRetention">True when the last good backup could not be pinned: nothing may expire tonight.</param>
internal sealed record AnomalyOutcome(ScorecardException? Failure, bool HoldRetention)
{
    public static readonly AnomalyOutcome Clear = new(null, false);
}
