using SalesScorecard.Jobs;

namespace SalesScorecard.Tests.Jobs;

/// <summary>A job's host that answers from a script and records what the job asked and said, as a cmdlet's pipeline would see it.</summary>
internal sealed class ScriptedHost(JobApproval approval = JobApproval.Approved, bool answer = true) : IJobHost
{
    public List<string> Questions { get; } = [];

    public List<string> Warnings { get; } = [];

    public Task<JobApproval> ApproveAsync(string operation)
    {
        Questions.Add(operation);
        return Task.FromResult(approval);
    }

    public Task<bool> ShouldProcessAsync(string target, string action)
    {
        Questions.Add($"{action}: {target}");
        return Task.FromResult(answer);
    }

    public void Progress(string stage, string status, int percent)
    {
    }

    public void Verbose(string message)
    {
    }

    public void Warning(string message) => Warnings.Add(message);
}
