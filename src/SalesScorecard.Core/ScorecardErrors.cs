namespace SalesScorecard;

/// <summary>One error the module can write: a stable id, its category, and what it means and what to do.</summary>
public sealed record ScorecardError(string Id, ScorecardErrorCategory Category, string Meaning);

/// <summary>
/// Every error id the module raises, in one place: <see cref="ScorecardException"/> takes nothing else, so an id cannot be
/// raised without its category and meaning, and about_SalesScorecard documents exactly these (a test keeps them equal).
/// </summary>
public static class ScorecardErrors
{
    public static readonly ScorecardError AmbiguousIdentity = new(nameof(AmbiguousIdentity), ScorecardErrorCategory.InvalidArgument,
        "-Identity matches no id or exact email, and more than one email in another case. Give the exact email or the id; the error lists the candidates.");

    public static readonly ScorecardError AnomalyDetected = new(nameof(AnomalyDetected), ScorecardErrorCategory.InvalidData,
        "The backup was made and verified, but a table lost more than BACKUP_ANOMALY_DROP_PERCENT of its rows, went to zero or vanished, or the archive shrank by half, since the previous verified backup; written only with BACKUP_ANOMALY_FAILS=true. The last good backup is pinned: find out what removed the data before releasing it (Unlock-ScorecardBackup).");

    public static readonly ScorecardError ArchiveTampered = new(nameof(ArchiveTampered), ScorecardErrorCategory.InvalidData,
        "The stored archive was changed or cut short after it was written (a SHA-256, zstd's checksum or age's tag disagrees). Use another backup; find out who changed the file.");

    public static readonly ScorecardError ArchiveUnreadable = new(nameof(ArchiveUnreadable), ScorecardErrorCategory.ReadError,
        "The archive cannot be read: the file is unreadable, or pg_restore cannot read all of it. Check the file's permissions and the disk; test another backup.");

    public static readonly ScorecardError BackupAlreadyRunning = new(nameof(BackupAlreadyRunning), ScorecardErrorCategory.ResourceBusy,
        "Another backup holds the destination's lock; the message names its process, program, host and start time. Wait for it, or stop it if it hangs.");

    public static readonly ScorecardError BackupChecksumMismatch = new(nameof(BackupChecksumMismatch), ScorecardErrorCategory.InvalidData,
        "A file of the backup is missing or no longer matches its SHA-256 in manifest.json; nothing was restored. Use another backup.");

    public static readonly ScorecardError BackupFailed = new(nameof(BackupFailed), ScorecardErrorCategory.InvalidOperation,
        "The backup failed: pg_dump failed, its archive did not read back whole, or something unforeseen happened; nothing was kept. The message and backup.log say why.");

    public static readonly ScorecardError BackupManifestInvalid = new(nameof(BackupManifestInvalid), ScorecardErrorCategory.InvalidData,
        "The folder is not a usable backup: manifest.json is missing, unreadable, not ours or incomplete. Choose another backup folder.");

    public static readonly ScorecardError BackupManifestMismatch = new(nameof(BackupManifestMismatch), ScorecardErrorCategory.InvalidData,
        "The archive's own table of contents or summary.txt disagrees with manifest.json (a swapped or edited backup); nothing was restored. Use another backup.");

    public static readonly ScorecardError BackupNotFound = new(nameof(BackupNotFound), ScorecardErrorCategory.ObjectNotFound,
        "There is no successful backup in the destination (or on the store), or no backup of that name. Check -Destination, BACKUP_DIR or the name.");

    public static readonly ScorecardError BackupPinFailed = new(nameof(BackupPinFailed), ScorecardErrorCategory.WriteError,
        "The pin of a backup could not be written or removed where the backup is kept (its folder, or its prefix on the store); the message says why. After an anomaly the night's retention is skipped, so nothing can expire before the pin is made (Lock-ScorecardBackup).");

    public static readonly ScorecardError BackupStale = new(nameof(BackupStale), ScorecardErrorCategory.InvalidData,
        "The watchdog's alert mail: the newest successful backup is older than -MaxAge (Test-ScorecardBackup writes BackupTestFailed). Find out why the nightly backup stopped: backup.log, cron.log.");

    public static readonly ScorecardError BackupStalled = new(nameof(BackupStalled), ScorecardErrorCategory.OperationTimeout,
        "pg_dump wrote nothing, or the counting made no progress, for BACKUP_STALL_SECONDS; the run was stopped and nothing kept. Look for a lock held on a table or a server that stopped answering.");

    public static readonly ScorecardError BackupTestFailed = new(nameof(BackupTestFailed), ScorecardErrorCategory.InvalidData,
        "A check of Test-ScorecardBackup failed; the result's Checks say which and why. Test or restore another backup, and find out what damaged this one.");

    public static readonly ScorecardError CleanRequiresSingleTransaction = new(nameof(CleanRequiresSingleTransaction), ScorecardErrorCategory.InvalidArgument,
        "-Clean cannot be combined with -Jobs: a failure part way could not be rolled back. Restore over it without -Jobs, or with -Jobs into a new database.");

    public static readonly ScorecardError CompanyNotFound = new(nameof(CompanyNotFound), ScorecardErrorCategory.ObjectNotFound,
        "-CompanyId names no company in the companies table. Give an existing company id (tab completion lists them).");

    public static readonly ScorecardError ConfirmationRequired = new(nameof(ConfirmationRequired), ScorecardErrorCategory.InvalidOperation,
        "The command asks for confirmation and this PowerShell cannot ask (pwsh -NonInteractive, a scheduled task, a host without prompts); nothing was done. Add -Confirm:$false to go ahead, or -WhatIf to see what it would do.");

    public static readonly ScorecardError DatabaseAuthenticationFailed = new(nameof(DatabaseAuthenticationFailed), ScorecardErrorCategory.AuthenticationError,
        "PostgreSQL refused the login, or asked for a password and none was given. Check the user and password in DATABASE_URL or -Credential; percent-encode @ : / ? # % in a URL's password.");

    public static readonly ScorecardError DatabaseError = new(nameof(DatabaseError), ScorecardErrorCategory.InvalidOperation,
        "PostgreSQL refused a statement; the message has its SQLSTATE and text. That record or step failed; the others went on.");

    public static readonly ScorecardError DatabaseNotFound = new(nameof(DatabaseNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The database DATABASE_URL names does not exist on that server. Correct the database name.");

    public static readonly ScorecardError DatabaseUnreachable = new(nameof(DatabaseUnreachable), ScorecardErrorCategory.ConnectionError,
        "PostgreSQL cannot be reached, refused the connection, or the connection was lost. Check the host and port, and that the server accepts TCP connections.");

    public static readonly ScorecardError DatabaseUrlMissing = new(nameof(DatabaseUrlMissing), ScorecardErrorCategory.InvalidArgument,
        "No database is configured. Give -DatabaseUrl, or set DATABASE_URL in the environment or the .env file.");

    public static readonly ScorecardError DestinationInsecure = new(nameof(DestinationInsecure), ScorecardErrorCategory.SecurityError,
        "The backup folder, or a file in it, is writable by others or is a symbolic link; nothing was written. Make it owner-only (chmod 700) and remove the link.");

    public static readonly ScorecardError DestinationNotFound = new(nameof(DestinationNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The backup folder to read does not exist: a typo in -Destination or BACKUP_DIR, or a disk that is not mounted. Check the path.");

    public static readonly ScorecardError DestinationNotWritable = new(nameof(DestinationNotWritable), ScorecardErrorCategory.PermissionDenied,
        "The backup folder cannot be created or written, or is a file. Choose another -Destination or BACKUP_DIR, or fix its permissions.");

    public static readonly ScorecardError EmailAlreadyInUse = new(nameof(EmailAlreadyInUse), ScorecardErrorCategory.ResourceExists,
        "Another user already has that email (in any case). Choose another email, or change that user.");

    public static readonly ScorecardError EncryptionUnsupported = new(nameof(EncryptionUnsupported), ScorecardErrorCategory.InvalidArgument,
        "Recipients were given with -Jobs or BACKUP_COMPRESSION=pg_dump, whose archive pg_dump writes in plain text itself. Use zstd compression without -Jobs, or no recipients.");

    public static readonly ScorecardError EnvFileIsFolder = new(nameof(EnvFileIsFolder), ScorecardErrorCategory.InvalidArgument,
        "The .env file named by -EnvFile or SCORECARD_ENV_FILE is a folder. Name the file in it.");

    public static readonly ScorecardError EnvFileNotFound = new(nameof(EnvFileNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The .env file named by -EnvFile or SCORECARD_ENV_FILE does not exist. Correct the path.");

    public static readonly ScorecardError EnvFileRequired = new(nameof(EnvFileRequired), ScorecardErrorCategory.InvalidArgument,
        "The schedule needs a .env file for the job to read its settings from. Give -EnvFile.");

    public static readonly ScorecardError EnvFileUnreadable = new(nameof(EnvFileUnreadable), ScorecardErrorCategory.ReadError,
        "The .env file cannot be read. Check its owner and permissions (chmod 600, owned by the user the job runs as).");

    public static readonly ScorecardError IdentityDoesNotMatch = new(nameof(IdentityDoesNotMatch), ScorecardErrorCategory.InvalidArgument,
        "The identity file holds none of the identities the backup was encrypted to; the message names its recipients. Use the matching key file.");

    public static readonly ScorecardError IdentityFileExists = new(nameof(IdentityFileExists), ScorecardErrorCategory.ResourceExists,
        "New-ScorecardBackupKey never overwrites a key file. Choose another -Path, or move the old file away first.");

    public static readonly ScorecardError IdentityFileNotFound = new(nameof(IdentityFileNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The identity file named by -IdentityFile or BACKUP_IDENTITY_FILE does not exist. Correct the path.");

    public static readonly ScorecardError IdentityFileNotWritten = new(nameof(IdentityFileNotWritten), ScorecardErrorCategory.WriteError,
        "The new key file could not be written. Check the folder's permissions and the disk.");

    public static readonly ScorecardError IdentityRequired = new(nameof(IdentityRequired), ScorecardErrorCategory.InvalidArgument,
        "The backup is encrypted and no identity was given; the message names its recipients. Give -IdentityFile or set BACKUP_IDENTITY_FILE.");

    public static readonly ScorecardError InsufficientDiskSpace = new(nameof(InsufficientDiskSpace), ScorecardErrorCategory.ResourceUnavailable,
        "The destination has less free space than the next backup needs (the last one plus half, or the database's size). Free space or choose another -Destination.");

    public static readonly ScorecardError InvalidCompression = new(nameof(InvalidCompression), ScorecardErrorCategory.InvalidArgument,
        "BACKUP_COMPRESSION or -Compression is not zstd, zstd:N (1 to 19) or pg_dump. Correct it.");

    public static readonly ScorecardError InvalidDatabaseUrl = new(nameof(InvalidDatabaseUrl), ScorecardErrorCategory.InvalidArgument,
        "DATABASE_URL cannot be parsed (the value is never shown). Use postgresql://user:password@host:port/database or an Npgsql keyword string.");

    public static readonly ScorecardError InvalidDetails = new(nameof(InvalidDetails), ScorecardErrorCategory.InvalidArgument,
        "-Details is not the JSON object or dictionary send-backup-notification.js takes. Pass a JSON object, a hashtable or an object.");

    public static readonly ScorecardError InvalidDisplayName = new(nameof(InvalidDisplayName), ScorecardErrorCategory.InvalidArgument,
        "The display name is empty, too long for the column (counted as PostgreSQL counts), or holds a NUL. Shorten or correct it.");

    public static readonly ScorecardError InvalidEmail = new(nameof(InvalidEmail), ScorecardErrorCategory.InvalidArgument,
        "The email is malformed, too long, or holds a NUL. Correct it.");

    public static readonly ScorecardError InvalidIdentity = new(nameof(InvalidIdentity), ScorecardErrorCategory.InvalidData,
        "A line of the identity file is not an age X25519 identity (AGE-SECRET-KEY-1...). Use a file from New-ScorecardBackupKey or age-keygen.");

    public static readonly ScorecardError InvalidKeyFilePath = new(nameof(InvalidKeyFilePath), ScorecardErrorCategory.InvalidArgument,
        "An age secret key was given where the path of a key file belongs; it is not repeated. Give the file's path, and treat the key as exposed (it may be in the shell history).");

    public static readonly ScorecardError InvalidPassword = new(nameof(InvalidPassword), ScorecardErrorCategory.InvalidArgument,
        "The password breaks the app's rules (length, or white space at either end, which the web client trims away). Choose another.");

    public static readonly ScorecardError InvalidRecipient = new(nameof(InvalidRecipient), ScorecardErrorCategory.InvalidArgument,
        "A recipient is not an age X25519 recipient (age1...), or the recipients file lists none. Correct BACKUP_ENCRYPTION_RECIPIENTS or -Recipient.");

    public static readonly ScorecardError InvalidRole = new(nameof(InvalidRole), ScorecardErrorCategory.InvalidArgument,
        "The role is not one the app knows. Use one of the roles the message lists.");

    public static readonly ScorecardError InvalidSchedule = new(nameof(InvalidSchedule), ScorecardErrorCategory.InvalidArgument,
        "A time of day is not HH:mm (for example 23:00). Correct -At or the watchdog's time.");

    public static readonly ScorecardError InvalidSetting = new(nameof(InvalidSetting), ScorecardErrorCategory.InvalidArgument,
        "A setting has a value that cannot be used; the message names it, where it came from and what it must be. Correct it.");

    public static readonly ScorecardError JobsNeedPlainArchive = new(nameof(JobsNeedPlainArchive), ScorecardErrorCategory.InvalidArgument,
        "-Jobs on a compressed (or encrypted) backup: pg_restore reads it as a stream and cannot run parallel jobs. Restore without -Jobs.");

    public static readonly ScorecardError KeyFileUnreadable = new(nameof(KeyFileUnreadable), ScorecardErrorCategory.PermissionDenied,
        "A key or recipients file cannot be read. Check its owner and permissions.");

    public static readonly ScorecardError LastSuperAdmin = new(nameof(LastSuperAdmin), ScorecardErrorCategory.InvalidOperation,
        "The change would demote or disable the only active SUPER_ADMIN, which leaves the web admin with nobody who may manage companies, users and roles; nothing was changed. Make another user SUPER_ADMIN first, or add -Force.");

    public static readonly ScorecardError NotAgeEncrypted = new(nameof(NotAgeEncrypted), ScorecardErrorCategory.InvalidData,
        "The file is not in the age format. Give the .age archive or check that it was not replaced.");

    public static readonly ScorecardError OffsiteAccessDenied = new(nameof(OffsiteAccessDenied), ScorecardErrorCategory.PermissionDenied,
        "The store denied the credentials an operation. Grant s3:ListBucket on the bucket and s3:PutObject, s3:GetObject, s3:DeleteObject and s3:AbortMultipartUpload on the prefix.");

    public static readonly ScorecardError OffsiteArchiveNotStreamable = new(nameof(OffsiteArchiveNotStreamable), ScorecardErrorCategory.InvalidOperation,
        "A directory-format backup (made with -Jobs) cannot be read from the store as a stream. Copy its folder to disk first and use that.");

    public static readonly ScorecardError OffsiteAuthenticationFailed = new(nameof(OffsiteAuthenticationFailed), ScorecardErrorCategory.AuthenticationError,
        "The store does not know the access key id, refused the signature or the session token, or no credentials were found. Check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN or AWS_PROFILE, and BACKUP_S3_REGION.");

    public static readonly ScorecardError OffsiteBackupNotFound = new(nameof(OffsiteBackupNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The store holds no complete backup of that name (no usable manifest.json). Check the address with Get-ScorecardBackup -Offsite.");

    public static readonly ScorecardError OffsiteBucketNotFound = new(nameof(OffsiteBucketNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The bucket does not exist on the store. Create it, or correct BACKUP_S3_URL, BACKUP_S3_ENDPOINT and BACKUP_S3_REGION.");

    public static readonly ScorecardError OffsiteCopyFailed = new(nameof(OffsiteCopyFailed), ScorecardErrorCategory.WriteError,
        "The local backup is fine, but its offsite copy failed and does not count; the message names the cause. Fix the store's settings or reachability; the next run copies its own backup.");

    public static readonly ScorecardError OffsiteNeedsStreamedArchive = new(nameof(OffsiteNeedsStreamedArchive), ScorecardErrorCategory.InvalidArgument,
        "A backup streamed straight to the store must be compressed by the module (BACKUP_COMPRESSION=zstd, no -Jobs). Change the compression or back up to disk.");

    public static readonly ScorecardError OffsiteNotConfigured = new(nameof(OffsiteNotConfigured), ScorecardErrorCategory.InvalidArgument,
        "-Offsite was given but BACKUP_S3_URL is not set. Set it, with BACKUP_S3_ENDPOINT for a store other than AWS and the store's keys.");

    public static readonly ScorecardError OffsiteNotReachable = new(nameof(OffsiteNotReachable), ScorecardErrorCategory.ConnectionError,
        "The store cannot be reached (endpoint down, DNS, TLS, a wrong region). Check BACKUP_S3_ENDPOINT (empty for AWS), BACKUP_S3_REGION and the network.");

    public static readonly ScorecardError OffsiteObjectNotFound = new(nameof(OffsiteObjectNotFound), ScorecardErrorCategory.ObjectNotFound,
        "An object of a stored backup is missing on the store. Test the copy; use another backup.");

    public static readonly ScorecardError OffsiteRequestFailed = new(nameof(OffsiteRequestFailed), ScorecardErrorCategory.InvalidOperation,
        "The store refused a request for a reason none of the other Offsite ids covers; the message has its answer. Check the store's own logs and limits.");

    public static readonly ScorecardError OffsiteVerifyFailed = new(nameof(OffsiteVerifyFailed), ScorecardErrorCategory.InvalidData,
        "An object read back from the store differs in size or SHA-256 from what was written; the copy does not count. Check the store (and any proxy in between).");

    public static readonly ScorecardError PgDumpNotFound = new(nameof(PgDumpNotFound), ScorecardErrorCategory.ObjectNotFound,
        "pg_dump or pg_restore cannot be found or run. Install the PostgreSQL client tools, or set PG_DUMP_PATH.");

    public static readonly ScorecardError PgDumpTooOld = new(nameof(PgDumpTooOld), ScorecardErrorCategory.InvalidOperation,
        "pg_dump is older than the server's major version and cannot dump it. Install the server's version of the client tools, or set PG_DUMP_PATH.");

    public static readonly ScorecardError RecipientsFileNotFound = new(nameof(RecipientsFileNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The recipients file named by BACKUP_ENCRYPTION_RECIPIENTS or -Recipient does not exist. Correct the path.");

    public static readonly ScorecardError RestoreFailed = new(nameof(RestoreFailed), ScorecardErrorCategory.InvalidOperation,
        "pg_restore failed; the message has its output and the state of the target (rolled back, dropped, or partly restored). Fix the cause (often -NoOwner for missing roles) and restore again.");

    public static readonly ScorecardError RowCountMismatch = new(nameof(RowCountMismatch), ScorecardErrorCategory.InvalidData,
        "The restored database's row counts differ from the backup's. Restore again or use another backup; the message lists the tables.");

    public static readonly ScorecardError ScheduleExists = new(nameof(ScheduleExists), ScorecardErrorCategory.ResourceExists,
        "A schedule of that name already exists. Use -Force to replace it, or another -Name.");

    public static readonly ScorecardError ScheduleNotFound = new(nameof(ScheduleNotFound), ScorecardErrorCategory.ObjectNotFound,
        "No schedule of that name (and kind) exists. Check Get-ScorecardBackupSchedule.");

    public static readonly ScorecardError ScheduleUnavailable = new(nameof(ScheduleUnavailable), ScorecardErrorCategory.ResourceUnavailable,
        "crontab or Task Scheduler cannot be used here (missing, or refused). Install cron or run as a user who may schedule.");

    public static readonly ScorecardError SmtpAuthenticationFailed = new(nameof(SmtpAuthenticationFailed), ScorecardErrorCategory.AuthenticationError,
        "The mail server refused the login. Check SMTP_USER and SMTP_PASS (Gmail: an App Password; SendGrid: user apikey).");

    public static readonly ScorecardError SmtpAuthenticationNotOffered = new(nameof(SmtpAuthenticationNotOffered), ScorecardErrorCategory.InvalidArgument,
        "SMTP_USER is set but the server offers no authentication on this port. Use the submission port (587 or 465), or leave SMTP_USER empty.");

    public static readonly ScorecardError SmtpDeferred = new(nameof(SmtpDeferred), ScorecardErrorCategory.ResourceUnavailable,
        "The mail server answered 4xx (come back later: greylisting, a busy or full server) until the retries ran out. Nothing to change; the nightly -Notify retries for SMTP_RETRY_SECONDS.");

    public static readonly ScorecardError SmtpLoginRequired = new(nameof(SmtpLoginRequired), ScorecardErrorCategory.AuthenticationError,
        "The mail server offers AUTH and refused the mail without a login (530 or 5.7.x) while SMTP_USER is empty. Set SMTP_USER and SMTP_PASS.");

    public static readonly ScorecardError SmtpMessageTooBig = new(nameof(SmtpMessageTooBig), ScorecardErrorCategory.LimitsExceeded,
        "The mail server refused the message as too big (X.3.4). A failure mail is shortened to the server's SIZE and sent; this one did not fit even so.");

    public static readonly ScorecardError SmtpNotReachable = new(nameof(SmtpNotReachable), ScorecardErrorCategory.ConnectionError,
        "The mail server cannot be reached, or stopped answering before the message was complete. Check SMTP_HOST, SMTP_PORT and the firewall.");

    public static readonly ScorecardError SmtpRecipientRejected = new(nameof(SmtpRecipientRejected), ScorecardErrorCategory.InvalidArgument,
        "The mail server refused every recipient. Check BACKUP_NOTIFICATION_EMAIL.");

    public static readonly ScorecardError SmtpSecurityMismatch = new(nameof(SmtpSecurityMismatch), ScorecardErrorCategory.InvalidArgument,
        "The server speaks TLS from the first byte while SMTP_SECURITY says StartTls (or the reverse). Use SslOnConnect for port 465, StartTls for 587.");

    public static readonly ScorecardError SmtpSendFailed = new(nameof(SmtpSendFailed), ScorecardErrorCategory.InvalidOperation,
        "The mail server refused the message, or the connection broke; after the final dot it is never re-sent, to avoid a duplicate. The message has the server's reply.");

    public static readonly ScorecardError SmtpSenderRejected = new(nameof(SmtpSenderRejected), ScorecardErrorCategory.InvalidArgument,
        "The mail server refused the sender. Set SMTP_FROM to an address the account may send as.");

    public static readonly ScorecardError SmtpTlsFailed = new(nameof(SmtpTlsFailed), ScorecardErrorCategory.SecurityError,
        "TLS failed: the certificate is not trusted, or the server offers no STARTTLS. Trust it with SMTP_TRUSTED_CERT, or fix SMTP_SECURITY and the port.");

    public static readonly ScorecardError TargetDatabaseNameTooLong = new(nameof(TargetDatabaseNameTooLong), ScorecardErrorCategory.InvalidArgument,
        "The target database's name is longer than PostgreSQL's 63 bytes, which would silently cut it. Choose a shorter -TargetDatabase.");

    public static readonly ScorecardError TargetDatabaseNotEmpty = new(nameof(TargetDatabaseNotEmpty), ScorecardErrorCategory.ResourceExists,
        "The target database already has tables. Restore into a new database, or add -Clean.");

    public static readonly ScorecardError UserChangedConcurrently = new(nameof(UserChangedConcurrently), ScorecardErrorCategory.ResourceBusy,
        "Someone changed the user between reading and writing it. Read it again and repeat the change.");

    public static readonly ScorecardError UserNotFound = new(nameof(UserNotFound), ScorecardErrorCategory.ObjectNotFound,
        "No user has that id or email. Check -Identity.");

    public static readonly ScorecardError UserNotInCompany = new(nameof(UserNotInCompany), ScorecardErrorCategory.PermissionDenied,
        "The user belongs to another company than -CompanyId. Give the user's own company.");

    public static readonly ScorecardError UsersTableNotFound = new(nameof(UsersTableNotFound), ScorecardErrorCategory.ObjectNotFound,
        "The database has no users table: DATABASE_URL names another database than the app's. Correct it.");

    public static readonly ScorecardError VerifierKilled = new(nameof(VerifierKilled), ScorecardErrorCategory.OperationStopped,
        "The pg_restore verifying the archive was killed (often by the out-of-memory killer), so the archive is unverified and nothing was kept. Give the machine more memory, or run again.");

    /// <summary>The whole catalog, by id.</summary>
    public static IReadOnlyList<ScorecardError> All { get; } = typeof(ScorecardErrors).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ScorecardError)).Select(f => (ScorecardError)f.GetValue(null)!).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
}
