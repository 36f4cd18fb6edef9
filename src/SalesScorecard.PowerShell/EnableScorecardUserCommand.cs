using System.Management.Automation;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Enable, "ScorecardUser", SupportsShouldProcess = true)]
[OutputType(typeof(ScorecardUser))]
public sealed class EnableScorecardUserCommand : UserAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "UserId")]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CompanyIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CompanyId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() =>
        ChangeUser(new UserChangeRequest { Identity = Identity!, CompanyId = CompanyId, Active = true, AuditAction = "USER_ENABLED" }, PassThru);
}
