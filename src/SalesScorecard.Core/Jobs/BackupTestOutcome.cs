namespace SalesScorecard.Jobs;

/// <summary>
/// A test's outcome: the result (null when there was no backup to test) and the failure to report after it, so that
/// a pipeline of tests goes on to the next backup.
/// </summary>
internal sealed record BackupTestOutcome(BackupTestResult? Result, ScorecardException? Failure);
