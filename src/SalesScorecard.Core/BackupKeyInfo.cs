namespace SalesScorecard;

/// <summary>A backup key New-ScorecardBackupKey wrote: where the identity is, and the recipient that encrypts to it.</summary>
public sealed class BackupKeyInfo
{
    /// <summary>The identity file (the secret key); keep it away from the machine that makes the backups.</summary>
    public required string Path { get; init; }

    /// <summary>The public recipient (<c>age1...</c>) to put in BACKUP_ENCRYPTION_RECIPIENTS.</summary>
    public required string Recipient { get; init; }
}
