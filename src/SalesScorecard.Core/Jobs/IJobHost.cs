namespace SalesScorecard.Jobs;

/// <summary>
/// What a Core job asks of whoever runs it: a cmdlet answers on its pipeline thread (ShouldProcess, -WhatIf,
/// -Confirm), a test answers from a script. Progress, verbose and warning messages go through the reporter.
/// </summary>
internal interface IJobHost : IOperationReporter
{
    /// <summary>Asks whether to start the job's main operation, telling -WhatIf from a declined prompt.</summary>
    Task<JobApproval> ApproveAsync(string operation);

    /// <summary>ShouldProcess(target, action): false under -WhatIf or when declined.</summary>
    Task<bool> ShouldProcessAsync(string target, string action);
}
