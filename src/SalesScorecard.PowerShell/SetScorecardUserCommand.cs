using System.Management.Automation;
using System.Net;
using System.Security;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Set, "ScorecardUser", SupportsShouldProcess = true)]
[OutputType(typeof(ScorecardUser))]
public sealed class SetScorecardUserCommand : UserAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "UserId")]
    [UserIdentity]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CompanyIdCompleter))]
    public string? CompanyId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? DisplayName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Email { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RoleCompleter))]
    public string? Role { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [FlexibleBoolean]
    public bool? Active { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [PlainTextPassword]
    public SecureString? Password { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Demotes or disables even the only active SUPER_ADMIN.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => ChangeUser(new UserChangeRequest
    {
        Identity = Identity!,
        // An empty CSV cell means "leave as it is".
        CompanyId = NullIfEmpty(CompanyId),
        DisplayName = NullIfEmpty(DisplayName),
        Email = NullIfEmpty(Email),
        Role = NullIfEmpty(Role),
        Active = Active,
        Password = Password is null ? null : new NetworkCredential(string.Empty, Password).Password,
        Force = Force,
    }, PassThru);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
