using SalesScorecard.Settings;

namespace SalesScorecard.Offsite;

/// <summary>How to reach the store that holds offsite copies, and how long copies are kept there.</summary>
public sealed class OffsiteOptions
{
    public required OffsiteLocation Location { get; init; }

    /// <summary>Null for AWS S3 itself.</summary>
    public Uri? Endpoint { get; init; }

    public required string Region { get; init; }

    public bool ForcePathStyle { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? SessionToken { get; init; }

    public string? Profile { get; init; }

    public int RetentionDays { get; init; }

    public int KeepMin { get; init; }

    /// <summary>How long one request may go unanswered (BACKUP_S3_TIMEOUT_SECONDS): a store that accepts and never answers fails.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The slowest line a copy is given time for: what a nightly copy of a small company's database needs at the least.</summary>
    public const long SlowestBytesPerSecond = 1 << 20;

    /// <summary>
    /// How long moving <paramref name="bytes"/> to or from the store may take in all: four request time-outs (the store's
    /// retries, the read-back, the clean-up of a failed copy) and the bytes sent and read back once each at
    /// <see cref="SlowestBytesPerSecond"/>. A store that goes silent ends the work at this bound, not hours later.
    /// </summary>
    public TimeSpan Budget(long bytes) => RequestTimeout * 4 + TimeSpan.FromSeconds(2.0 * bytes / SlowestBytesPerSecond);

    /// <summary>How a message names the store: the endpoint (or AWS and the region) and the address, never a key.</summary>
    public string Describe() => $"{Location} on {(Endpoint is null ? $"AWS S3 ({Region})" : Endpoint.GetLeftPart(UriPartial.Authority))}";

    /// <summary>The offsite settings, or null when BACKUP_S3_URL is not set. <paramref name="location"/> overrides BACKUP_S3_URL.</summary>
    public static OffsiteOptions? FromSettings(ScorecardSettings settings, OffsiteLocation? location = null)
    {
        location ??= settings.Get(SettingNames.BackupS3Url) is { } url ? OffsiteLocation.Parse(url, SettingNames.BackupS3Url) : null;
        if (location is null)
        {
            return null;
        }

        var endpoint = settings.Get(SettingNames.BackupS3Endpoint) is { } text ? ParseEndpoint(text) : null;
        var accessKey = settings.Get(SettingNames.AwsAccessKeyId);
        var secret = settings.Get(SettingNames.AwsSecretAccessKey);
        if ((accessKey is null) != (secret is null))
        {
            var (given, missing) = accessKey is null
                ? (SettingNames.AwsSecretAccessKey, SettingNames.AwsAccessKeyId)
                : (SettingNames.AwsAccessKeyId, SettingNames.AwsSecretAccessKey);
            throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"{given} is set but {missing} is not: give both, or neither to use AWS_PROFILE or the AWS SDK's default credentials.", missing);
        }

        return new OffsiteOptions
        {
            Location = location,
            Endpoint = endpoint,
            Region = settings.Get(SettingNames.BackupS3Region) ?? settings.Get(SettingNames.AwsRegion) ?? settings.Get(SettingNames.AwsDefaultRegion) ?? "us-east-1",
            ForcePathStyle = settings.GetBool(SettingNames.BackupS3ForcePathStyle) ?? endpoint is not null,
            AccessKeyId = accessKey,
            SecretAccessKey = secret,
            SessionToken = settings.Get(SettingNames.AwsSessionToken),
            Profile = settings.Get(SettingNames.AwsProfile),
            RetentionDays = settings.Get(SettingNames.BackupS3RetentionDays) is null
                ? settings.GetInt(SettingNames.BackupRetentionDays)
                : settings.GetInt(SettingNames.BackupS3RetentionDays),
            KeepMin = settings.Get(SettingNames.BackupS3KeepMin) is null
                ? settings.GetInt(SettingNames.BackupKeepMin)
                : settings.GetInt(SettingNames.BackupS3KeepMin),
            RequestTimeout = TimeSpan.FromSeconds(settings.GetInt(SettingNames.BackupS3TimeoutSeconds)),
        };
    }

    /// <summary>The store BACKUP_DIR (or -Destination) names when it is an s3:// address, where backups go with no local copy; else null.</summary>
    public static OffsiteLocation? BackupDirStore(ScorecardSettings settings) =>
        settings.Get(SettingNames.BackupDir) is { } folder && OffsiteLocation.IsOffsite(folder) ? OffsiteLocation.Parse(folder, SettingNames.BackupDir) : null;

    /// <summary>
    /// Where this host keeps the lock and backup.log: BACKUP_DIR, or, when BACKUP_DIR names the store
    /// (<paramref name="direct"/>), that store's state folder.
    /// </summary>
    public static string LocalFolder(ScorecardSettings settings, OffsiteLocation? direct, string currentDirectory) =>
        direct?.StateFolder(Environment.GetEnvironmentVariable) ?? settings.GetPath(SettingNames.BackupDir, currentDirectory)!;

    public static ScorecardException NotConfigured() =>
        new(ScorecardErrors.OffsiteNotConfigured,
            $"-Offsite works on the store that {SettingNames.BackupS3Url} names, and it is not set: set it (s3://bucket/prefix), with BACKUP_S3_ENDPOINT " +
            "for a store other than AWS S3, and the store's keys.", SettingNames.BackupS3Url);

    private static Uri ParseEndpoint(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0
            ? uri
            : throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"{SettingNames.BackupS3Endpoint} must be an https://host[:port] (or http://) address without credentials in it; leave it empty for AWS S3.",
                SettingNames.BackupS3Endpoint);
}
