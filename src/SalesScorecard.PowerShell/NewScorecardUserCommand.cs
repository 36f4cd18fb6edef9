using System.Management.Automation;
using System.Net;
using System.Security;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.New, "ScorecardUser", SupportsShouldProcess = true)]
[OutputType(typeof(ScorecardUser))]
public sealed class NewScorecardUserCommand : UserAdminCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Email { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DisplayName { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RoleCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Role { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CompanyIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CompanyId { get; set; }

    /// <summary>Without it a strong random password is generated and returned once, as InitialPassword.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [PlainTextPassword]
    public SecureString? Password { get; set; }

    protected override void ProcessRecord() => RunForRecord(() =>
    {
        var request = new NewUserRequest
        {
            Email = Email!,
            DisplayName = DisplayName!,
            Role = Role!,
            CompanyId = CompanyId!,
            Password = Password is null ? null : new NetworkCredential(string.Empty, Password).Password,
        };
        var store = Store;
        var checkedRequest = RunQuick(ct => store.CheckNewAsync(request, ct));
        if (ShouldProcess($"{checkedRequest.Email} ({checkedRequest.DisplayName}, {checkedRequest.Role}) in company '{checkedRequest.CompanyId}'{InDatabase}", "Create user"))
        {
            WriteObject(RunQuick(ct => store.CreateAsync(checkedRequest, ct)));
        }
    });
}
