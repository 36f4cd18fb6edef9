namespace SalesScorecard.Settings;

public static class SettingNames
{
    public const string DatabaseUrl = "DATABASE_URL";
    public const string SmtpHost = "SMTP_HOST";
    public const string SmtpPort = "SMTP_PORT";
    public const string SmtpUser = "SMTP_USER";
    public const string SmtpPass = "SMTP_PASS";
    public const string SmtpFrom = "SMTP_FROM";
    public const string BackupNotificationEmail = "BACKUP_NOTIFICATION_EMAIL";
    public const string SmtpSecurity = "SMTP_SECURITY";
    public const string SmtpTrustedCert = "SMTP_TRUSTED_CERT";
    public const string SmtpTimeoutSeconds = "SMTP_TIMEOUT_SECONDS";
    public const string SmtpRetrySeconds = "SMTP_RETRY_SECONDS";
    public const string NotificationTimeZone = "NOTIFICATION_TIMEZONE";
    public const string NotificationCulture = "NOTIFICATION_CULTURE";
    public const string BackupDir = "BACKUP_DIR";
    public const string BackupRetentionDays = "BACKUP_RETENTION_DAYS";
    public const string BackupKeepMin = "BACKUP_KEEP_MIN";
    public const string PgDumpPath = "PG_DUMP_PATH";
    public const string BackupStallSeconds = "BACKUP_STALL_SECONDS";
    public const string BackupCompression = "BACKUP_COMPRESSION";
    public const string BackupEncryptionRecipients = "BACKUP_ENCRYPTION_RECIPIENTS";
    public const string BackupIdentityFile = "BACKUP_IDENTITY_FILE";
    public const string BackupS3Url = "BACKUP_S3_URL";
    public const string BackupS3Endpoint = "BACKUP_S3_ENDPOINT";
    public const string BackupS3Region = "BACKUP_S3_REGION";
    public const string BackupS3ForcePathStyle = "BACKUP_S3_FORCE_PATH_STYLE";
    public const string AwsAccessKeyId = "AWS_ACCESS_KEY_ID";
    public const string AwsSecretAccessKey = "AWS_SECRET_ACCESS_KEY";
    public const string AwsSessionToken = "AWS_SESSION_TOKEN";
    public const string AwsProfile = "AWS_PROFILE";
    public const string BackupS3RetentionDays = "BACKUP_S3_RETENTION_DAYS";
    public const string BackupS3KeepMin = "BACKUP_S3_KEEP_MIN";
    public const string BackupS3TimeoutSeconds = "BACKUP_S3_TIMEOUT_SECONDS";
    public const string AwsRegion = "AWS_REGION";
    public const string AwsDefaultRegion = "AWS_DEFAULT_REGION";
    public const string BackupAnomalyDropPercent = "BACKUP_ANOMALY_DROP_PERCENT";
    public const string BackupAnomalyMinRows = "BACKUP_ANOMALY_MIN_ROWS";
    public const string BackupAnomalyFails = "BACKUP_ANOMALY_FAILS";

    /// <summary>Names the .env file when no -EnvFile is given.</summary>
    public const string EnvFileVariable = "SCORECARD_ENV_FILE";

    internal static IReadOnlyList<SettingDefinition> All { get; } =
    [
        new(DatabaseUrl, null, IsSecret: true, "PostgreSQL connection: postgresql://user:password@host:port/database, or an Npgsql keyword string."),
        new(SmtpHost, null, IsSecret: false, "SMTP server for notifications; without it no mail is sent."),
        new(SmtpPort, "587", IsSecret: false, "SMTP port.", WholeNumberRange.Port),
        new(SmtpUser, null, IsSecret: false, "SMTP user name."),
        new(SmtpPass, null, IsSecret: true, "SMTP password or API key."),
        new(SmtpFrom, "Sales Scorecard <noreply@localhost>", IsSecret: false, "Sender of notification mail."),
        new(BackupNotificationEmail, null, IsSecret: false, "Recipients of notification mail, comma separated."),
        new(SmtpSecurity, null, IsSecret: false, "StartTls (default), SslOnConnect (default for port 465) or None; never a silent fallback to plain text."),
        new(SmtpTrustedCert, null, IsSecret: false, "A server certificate to trust even if self-signed: a .cer/.crt/.pem file or its SHA-256 fingerprint."),
        new(SmtpTimeoutSeconds, "30", IsSecret: false, "How long to wait for the connection and for each reply of the server; quick retries start within it.", WholeNumberRange.SmtpTimeoutSeconds),
        new(SmtpRetrySeconds, "600", IsSecret: false, "How long -Notify keeps retrying a mail the server deferred (4xx, greylisting) or could not take, in spaced attempts; 0: only quick retries.", WholeNumberRange.RetrySeconds),
        new(NotificationTimeZone, null, IsSecret: false, "Time zone of times in mail (IANA or Windows id); default: the machine's."),
        new(NotificationCulture, null, IsSecret: false, "Culture of dates in mail, e.g. bg-BG; default: the current culture."),
        new(BackupDir, "./backups", IsSecret: false, "Folder that holds the backups; relative to the .env file's folder when set there."),
        new(BackupRetentionDays, "30", IsSecret: false, "Backups older than this many days are removed after a verified backup.", WholeNumberRange.RetentionDays),
        new(BackupKeepMin, "7", IsSecret: false, "The newest this many successful backups are always kept, however old.", WholeNumberRange.KeepMin),
        new(PgDumpPath, null, IsSecret: false, "The pg_dump program; default: PATH, then the newest PostgreSQL install folder."),
        new(BackupStallSeconds, "600", IsSecret: false, "A backup whose archive has not grown for this many seconds is stopped and fails with BackupStalled.", WholeNumberRange.StallSeconds),
        new(BackupCompression, "zstd", IsSecret: false, $"zstd (level {Archive.ArchiveCompression.DefaultZstdLevel}), zstd:N for a level from 1 to 19, or pg_dump for pg_dump's own compression in a .dump file."),
        new(BackupEncryptionRecipients, null, IsSecret: false, "age X25519 recipients (age1...) to encrypt backups to, comma separated, or the path of a recipients file."),
        new(BackupIdentityFile, null, IsSecret: false, "The age identity file (private key) that reads encrypted backups; keep it off the machine that makes them."),
        new(BackupS3Url, null, IsSecret: false, "s3://bucket/prefix: every verified backup is copied there (offsite copies); without it none is."),
        new(BackupS3Endpoint, null, IsSecret: false, "Empty for AWS S3; the https://... (or http://...) address of any other S3-compatible store."),
        new(BackupS3Region, null, IsSecret: false, "The bucket's region; default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1."),
        new(BackupS3ForcePathStyle, null, IsSecret: false, "true for path-style addresses (host/bucket/key), which most S3-compatible stores need; default: true with BACKUP_S3_ENDPOINT, false for AWS."),
        new(AwsAccessKeyId, null, IsSecret: false, "Access key id for the store; without it (and AWS_PROFILE) the AWS SDK's default credentials are used."),
        new(AwsSecretAccessKey, null, IsSecret: true, "Secret access key for the store."),
        new(AwsSessionToken, null, IsSecret: true, "Session token, for temporary credentials."),
        new(AwsProfile, null, IsSecret: false, "A profile of the AWS shared credentials file to use instead of AWS_ACCESS_KEY_ID."),
        new(BackupS3RetentionDays, null, IsSecret: false, "Offsite copies older than this many days are removed after a verified copy; default: BACKUP_RETENTION_DAYS.", WholeNumberRange.RetentionDays),
        new(BackupS3KeepMin, null, IsSecret: false, "The newest this many offsite copies are always kept; default: BACKUP_KEEP_MIN.", WholeNumberRange.KeepMin),
        new(BackupS3TimeoutSeconds, "120", IsSecret: false,
            "A store request that gets no answer for this many seconds fails (OffsiteNotReachable); a whole copy may take four times as long plus its bytes at 1 MiB/s.", WholeNumberRange.StoreTimeoutSeconds),
        new(AwsRegion, null, IsSecret: false, "The AWS SDK's region setting, the default of BACKUP_S3_REGION."),
        new(AwsDefaultRegion, null, IsSecret: false, "The AWS CLI's region setting, used when neither BACKUP_S3_REGION nor AWS_REGION is set."),
        new(BackupAnomalyDropPercent, "20", IsSecret: false,
            "A table that lost more than this share of its rows since the previous verified backup is an anomaly (warned, mailed, and the last good backup pinned).", WholeNumberRange.Percent),
        new(BackupAnomalyMinRows, "3", IsSecret: false,
            "...and at least this many rows: the floor that keeps a small table's everyday edit (3 rows to 2) from crying wolf.", WholeNumberRange.AnomalyMinRows),
        new(BackupAnomalyFails, null, IsSecret: false, "true: an anomaly also fails the run (exit code 1, AnomalyDetected); default false: the backup counts, and the mail says what changed."),
    ];

    internal static SettingDefinition Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"Unknown setting '{name}'.", nameof(name));
}
