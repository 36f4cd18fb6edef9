namespace SalesScorecard.Encryption;

/// <summary>The age failures an admin can act on, each with its stable id. No message ever carries a secret key.</summary>
internal static class AgeErrors
{
    public static ScorecardException Tampered(string detail) =>
        new(ScorecardErrors.ArchiveTampered,
            $"The encrypted file was changed or cut short after it was written ({detail}), so none of it can be trusted. " +
            "Use another backup, and find out what altered this one.");

    public static ScorecardException NotAge(string detail) =>
        new(ScorecardErrors.NotAgeEncrypted,
            $"The file is not an age v1 encrypted file ({detail}). Check that this is the backup you meant; if it is, " +
            "its first line was changed: use another backup.");

    public static ScorecardException InvalidRecipient(string detail, object? target = null) =>
        new(ScorecardErrors.InvalidRecipient,
            $"{detail} A recipient is an age X25519 public key: 'age1' and 58 more lower-case letters and digits, as " +
            "age-keygen or New-ScorecardBackupKey print it.", target);

    public static ScorecardException InvalidIdentity(string detail, object? target = null) =>
        new(ScorecardErrors.InvalidIdentity,
            $"{detail} An identity is an age X25519 secret key line, 'AGE-SECRET-KEY-1' and 58 more upper-case letters " +
            "and digits, as age-keygen or New-ScorecardBackupKey write it.", target);

    /// <summary>The first few characters of a rejected value: enough to find it, never a whole key.</summary>
    public static string Beginning(string value) => value.Length <= 8 ? $"'{value}'" : $"'{value[..8]}...'";
}
