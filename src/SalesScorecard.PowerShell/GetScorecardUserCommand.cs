using System.Management.Automation;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardUser")]
[OutputType(typeof(ScorecardUser))]
public sealed class GetScorecardUserCommand : UserAdminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "UserId")]
    [UserIdentity]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CompanyIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CompanyId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(RoleCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Role { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter IncludeInactive { get; set; }

    private int _unsetCount;

    /// <summary>Once for the whole pipeline: what a NULL isActive means in the running app.</summary>
    protected override void EndProcessing()
    {
        base.EndProcessing();
        if (_unsetCount > 0)
        {
            WriteWarning($"{_unsetCount} user(s) shown have a NULL isActive (IsActive False, ActiveState NULL): the app does not let them sign in " +
                "and hides them from its admin list, until its next restart sets them to true. Enable-ScorecardUser sets true now; Disable-ScorecardUser, false.");
        }
    }

    protected override void ProcessRecord() => RunForRecord(() =>
    {
        var query = new UserQuery { Identity = Identity, CompanyId = CompanyId, Role = Role, Name = Name, IncludeInactive = IncludeInactive || Identity is not null };
        var store = Store;
        var users = RunQuick(ct => store.FindAsync(query, ct));
        if (users.Count == 0 && Identity is not null)
        {
            WriteScorecardError(new ScorecardException(ScorecardErrors.UserNotFound,
                $"No user has the id or email '{Identity}'{(CompanyId is null ? string.Empty : $" in company '{CompanyId}'")}.", Identity));
        }

        _unsetCount += users.Count(u => u.StoredIsActive is null);
        foreach (var user in users)
        {
            WriteObject(user);
        }
    });
}
