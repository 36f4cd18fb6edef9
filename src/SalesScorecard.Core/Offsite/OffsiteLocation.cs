namespace SalesScorecard.Offsite;

/// <summary>An <c>s3://bucket/prefix</c> address: the bucket, and the prefix (no leading or trailing '/') that holds the backups.</summary>
public sealed record OffsiteLocation(string Bucket, string Prefix)
{
    public const string Scheme = "s3://";

    public static bool IsOffsite(string? value) => value?.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) == true;

    /// <param name="setting">Names the setting in the error, which says what is wrong and never quotes the value: it may hold keys.</param>
    public static OffsiteLocation Parse(string value, string setting)
    {
        var rest = IsOffsite(value) ? value[Scheme.Length..] : null;
        var slash = rest?.IndexOf('/') ?? -1;
        var bucket = rest is null ? "" : slash < 0 ? rest : rest[..slash];
        var prefix = rest is null || slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (Problem(rest, bucket, prefix) is { } problem)
        {
            throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"{setting} must read s3://bucket or s3://bucket/prefix (a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens); " +
                $"{problem}.", setting);
        }

        return new OffsiteLocation(bucket, prefix);
    }

    // KEY:SECRET@ in front of the bucket; a secret may hold '/', so the '@' can come after the first '/'.
    private static bool HasKeysWritten(string rest) => rest.LastIndexOf('@') is > 0 and var at && rest[..at].Contains(':', StringComparison.Ordinal);

    // Bucket names are 3-63 lower-case letters, digits, dots and hyphens on every store we know of.
    private static string? Problem(string? rest, string bucket, string prefix) =>
        rest is null ? "it does not begin with s3://"
        : HasKeysWritten(rest) ? "it has an '@' before the bucket, as if keys were written into it: give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        : bucket.Length is < 3 or > 63 ? $"its bucket name has {bucket.Length} characters"
        : !bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-') ? "its bucket name has a character other than those"
        : prefix.Contains("//", StringComparison.Ordinal) || prefix.Split('/').Any(part => part is "." or "..") ? "its prefix has an empty, '.' or '..' part"
        : null;

    /// <summary>
    /// The value as Get-ScorecardConfig shows it: an s3:// address with an '@' in it has everything up to its last '@'
    /// masked, since keys written into it (a secret may hold '/') come before the bucket.
    /// </summary>
    public static string MaskKeys(string value)
    {
        var at = IsOffsite(value) ? value.LastIndexOf('@') : -1;
        return at < 0 ? value : Scheme + ConfigSetting.Masked + value[at..];
    }

    /// <summary>A backup's address, <c>s3://bucket/prefix/backup-...</c>: the location that holds it, and its name.</summary>
    public static (OffsiteLocation Location, string Name) ParseBackup(string value, string parameter)
    {
        var trimmed = value.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var name = slash < 0 ? "" : trimmed[(slash + 1)..];
        if (!name.StartsWith(Backup.BackupCatalog.FolderPrefix, StringComparison.Ordinal) || slash <= Scheme.Length)
        {
            throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"{parameter} must name one backup on the store, s3://bucket/prefix/backup-...; its last part does not begin with backup-.", parameter);
        }

        return (Parse(trimmed[..slash], parameter), name);
    }

    /// <summary>The key prefix of everything under this location, ending in '/' unless it is the bucket's root.</summary>
    public string KeyPrefix => Prefix.Length == 0 ? "" : Prefix + "/";

    /// <summary>The key prefix of one backup's objects, ending in '/'.</summary>
    public string BackupPrefix(string backupName) => KeyPrefix + backupName + "/";

    public string Url(string? backupName = null) => $"{Scheme}{Bucket}/{KeyPrefix}{(backupName is null ? "" : backupName)}".TrimEnd('/');

    public override string ToString() => Url();

    /// <summary>
    /// The local folder that holds the lock and backup.log of backups streamed straight to this location: under
    /// $XDG_STATE_HOME (~/.local/state) on Linux and macOS, %LOCALAPPDATA% on Windows.
    /// </summary>
    public string StateFolder(Func<string, string?> environment)
    {
        var root = OperatingSystem.IsWindows()
            ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : environment("XDG_STATE_HOME") is { Length: > 0 } state
                ? state
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(root, "SalesScorecard", "offsite", Bucket, Prefix.Length == 0 ? "_" : Prefix.Replace('/', '_'));
    }
}
