using System.Management.Automation;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

/// <summary>Disable- and Enable-ScorecardUser: the app's soft delete and its undo, audited.</summary>
public abstract class UserActivationCmdlet : UserAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "UserId")]
    [UserIdentity]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CompanyIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CompanyId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Whether the change may disable even the only active SUPER_ADMIN.</summary>
    private protected virtual bool ForceChange => false;

    /// <summary>The isActive this cmdlet sets.</summary>
    protected abstract bool Active { get; }

    protected override void ProcessRecord() => ChangeUser(new UserChangeRequest
    {
        Identity = Identity!,
        CompanyId = CompanyId,
        Active = Active,
        AuditAction = Active ? "USER_ENABLED" : "USER_DISABLED",
        Force = ForceChange,
    }, PassThru);
}
