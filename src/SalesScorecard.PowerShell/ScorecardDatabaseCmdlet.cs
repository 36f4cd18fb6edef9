using System.Management.Automation;

namespace SalesScorecard.PowerShell;

/// <summary>
/// A cmdlet that connects to the database: -Credential gives the user and password apart from DATABASE_URL, so that
/// the password lands in neither the URL nor the shell's history. The settings apply it to every connection.
/// </summary>
public abstract class ScorecardDatabaseCmdlet : ScorecardCmdlet
{
    /// <summary>Overrides the user and password of DATABASE_URL.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    private protected override System.Net.NetworkCredential? DatabaseCredential =>
        Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential();
}
