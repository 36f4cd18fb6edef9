using System.Management.Automation;
using SalesScorecard.Encryption;

namespace SalesScorecard.PowerShell;

/// <summary>Writes a new age X25519 identity file and returns the recipient that encrypts backups to it.</summary>
[Cmdlet(VerbsCommon.New, "ScorecardBackupKey", SupportsShouldProcess = true)]
[OutputType(typeof(BackupKeyInfo))]
public sealed class NewScorecardBackupKeyCommand : ScorecardCmdlet
{
    /// <summary>The identity file to create; an existing file is never overwritten.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var path = ProviderPath(Path)!;
        if (!RunOrThrow(() => ShouldProcess(path, "Create an age identity file (backup decryption key)")))
        {
            return;
        }

        RunOrThrow(() =>
        {
            var identity = AgeIdentity.Generate();
            identity.WriteFile(path, DateTimeOffset.Now);
            WriteObject(new BackupKeyInfo { Path = path, Recipient = identity.ToRecipient().ToString() });
        });
    }
}
