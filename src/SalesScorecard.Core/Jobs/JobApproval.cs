namespace SalesScorecard.Jobs;

/// <summary>The answer to a job's main operation: under -WhatIf the job still says what it would do; declined, nothing.</summary>
internal enum JobApproval
{
    Approved,
    WhatIf,
    Declined,
}
