namespace SalesScorecard.Settings;

/// <summary>One setting the module understands: its .env key, default, and whether its value is a secret.</summary>
public sealed record SettingDefinition(string Name, string? DefaultValue, bool IsSecret, string Description);

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

    /// <summary>Names the .env file when no -EnvFile is given.</summary>
    public const string EnvFileVariable = "SCORECARD_ENV_FILE";

    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        new(DatabaseUrl, null, IsSecret: true, "PostgreSQL connection: postgresql://user:password@host:port/database, or an Npgsql keyword string."),
        new(SmtpHost, null, IsSecret: false, "SMTP server for notifications; without it no mail is sent."),
        new(SmtpPort, "587", IsSecret: false, "SMTP port."),
        new(SmtpUser, null, IsSecret: false, "SMTP user name."),
        new(SmtpPass, null, IsSecret: true, "SMTP password or API key."),
        new(SmtpFrom, "Sales Scorecard <noreply@localhost>", IsSecret: false, "Sender of notification mail."),
        new(BackupNotificationEmail, null, IsSecret: false, "Recipients of notification mail, comma separated."),
        new(SmtpSecurity, null, IsSecret: false, "StartTls (default), SslOnConnect (default for port 465) or None; never a silent fallback to plain text."),
        new(SmtpTrustedCert, null, IsSecret: false, "A server certificate to trust even if self-signed: a .cer/.crt/.pem file or its SHA-256 fingerprint."),
        new(SmtpTimeoutSeconds, "30", IsSecret: false, "Deadline for one send, connection and quick retries included."),
        new(SmtpRetrySeconds, "600", IsSecret: false, "How long -Notify keeps retrying a mail the server deferred (4xx, greylisting) or could not take, in spaced attempts; 0: only quick retries."),
        new(NotificationTimeZone, null, IsSecret: false, "Time zone of times in mail (IANA or Windows id); default: the machine's."),
        new(NotificationCulture, null, IsSecret: false, "Culture of dates in mail, e.g. bg-BG; default: the current culture."),
        new(BackupDir, "./backups", IsSecret: false, "Folder that holds the backups; relative to the .env file's folder when set there."),
        new(BackupRetentionDays, "30", IsSecret: false, "Backups older than this many days are removed after a verified backup."),
        new(BackupKeepMin, "7", IsSecret: false, "The newest this many successful backups are always kept, however old."),
        new(PgDumpPath, null, IsSecret: false, "The pg_dump program; default: PATH, then the newest PostgreSQL install folder."),
        new(BackupStallSeconds, "600", IsSecret: false, "A backup whose archive has not grown for this many seconds is stopped and fails with BackupStalled."),
        new(BackupCompression, "zstd", IsSecret: false, "zstd (level 1), zstd:N for a level from 1 to 19, or pg_dump for pg_dump's own compression in a .dump file."),
        new(BackupEncryptionRecipients, null, IsSecret: false, "age X25519 recipients (age1...) to encrypt backups to, comma separated, or the path of a recipients file."),
        new(BackupIdentityFile, null, IsSecret: false, "The age identity file (private key) that reads encrypted backups; keep it off the machine that makes them."),
    ];

    public static SettingDefinition Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"Unknown setting '{name}'.", nameof(name));
}
