using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SalesScorecard.Settings;

namespace SalesScorecard.Mail;

public enum SmtpSecurity
{
    StartTls,
    SslOnConnect,
    None,
}

/// <summary>The SMTP settings, validated. The password is only ever handed to the SMTP client.</summary>
public sealed class MailSettings
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public string? User { get; init; }

    internal string? Password { get; init; }

    // Internal, as every MimeKit type is: Load always sets both.
    internal MailboxAddress From { get; init; } = null!;

    internal IReadOnlyList<MailboxAddress> Recipients { get; init; } = [];

    public required SmtpSecurity Security { get; init; }

    /// <summary>SHA-256 of the one server certificate to trust beyond the system's roots, upper-case hex.</summary>
    public string? TrustedCertificateSha256 { get; init; }

    /// <summary>The deadline of one send (SMTP_TIMEOUT_SECONDS): of each attempt when retrying over <see cref="RetryWindow"/>.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>How long unattended sends (-Notify) go on retrying a deferred or failed mail (SMTP_RETRY_SECONDS).</summary>
    public required TimeSpan RetryWindow { get; init; }

    public required TimeZoneInfo TimeZone { get; init; }

    public required CultureInfo Culture { get; init; }

    public string Server => $"{Host}:{Port}";

    public IEnumerable<string> RecipientAddresses => Recipients.Select(r => r.Address);

    /// <summary>The keys whose absence means "mail is not configured": backups then run without mail.</summary>
    public static IReadOnlyList<string> MissingKeys(ScorecardSettings settings, IReadOnlyList<string>? recipients = null) =>
        new[]
        {
            settings.Get(SettingNames.SmtpHost) is null ? SettingNames.SmtpHost : null,
            recipients is { Count: > 0 } || settings.Get(SettingNames.BackupNotificationEmail) is not null ? null : SettingNames.BackupNotificationEmail,
        }.OfType<string>().ToList();

    public static string NotConfiguredWarning(IReadOnlyList<string> missing) =>
        $"No notification was sent: {string.Join(" and ", missing)} not set. Backups go on without mail.";

    /// <summary>Validates the settings; <paramref name="recipients"/> overrides BACKUP_NOTIFICATION_EMAIL.</summary>
    public static MailSettings Load(ScorecardSettings settings, string currentDirectory, IReadOnlyList<string>? recipients = null)
    {
        var missing = MissingKeys(settings, recipients);
        if (missing.Count > 0)
        {
            throw Invalid(missing[0], $"{string.Join(" and ", missing)} must be set to send mail");
        }

        var port = settings.GetInt(SettingNames.SmtpPort);
        return new MailSettings
        {
            Host = settings.Get(SettingNames.SmtpHost)!.Trim(),
            Port = port,
            User = settings.Get(SettingNames.SmtpUser),
            Password = settings.Get(SettingNames.SmtpPass),
            From = ParseMailbox(SettingNames.SmtpFrom, settings.Get(SettingNames.SmtpFrom)!),
            Recipients = (recipients ?? SplitAddresses(settings.Get(SettingNames.BackupNotificationEmail)!))
                .Select((r, i) => ParseMailbox(SettingNames.BackupNotificationEmail, r, i + 1)).ToList(),
            Security = ParseSecurity(settings.Get(SettingNames.SmtpSecurity), port),
            TrustedCertificateSha256 = ParseTrustedCertificate(settings, currentDirectory),
            Timeout = TimeSpan.FromSeconds(settings.GetInt(SettingNames.SmtpTimeoutSeconds)),
            RetryWindow = TimeSpan.FromSeconds(settings.GetInt(SettingNames.SmtpRetrySeconds)),
            TimeZone = ParseTimeZone(settings.Get(SettingNames.NotificationTimeZone)),
            Culture = ParseCulture(settings.Get(SettingNames.NotificationCulture)),
        };
    }

    /// <summary>
    /// An address list as RFC 5322 reads it: a comma inside a quoted display name ("Василев, Захари" &lt;z@example.bg&gt;)
    /// separates nothing. Semicolons, which Outlook writes between addresses, separate too. A list MimeKit cannot read
    /// is split at every comma and semicolon, so that each part's own error names it.
    /// </summary>
    public static IReadOnlyList<string> SplitAddresses(string value)
    {
        var list = SemicolonsAsCommas(value);
        return InternetAddressList.TryParse(list, out var parsed) && parsed.Count > 0
               && parsed.All(a => a is MailboxAddress mailbox && mailbox.Address.Contains('@', StringComparison.Ordinal))
            ? parsed.Mailboxes.Select(m => m.ToString()).ToList()
            : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string SemicolonsAsCommas(string value)
    {
        var text = value.ToCharArray();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == ';' && !quoted)
            {
                text[i] = ',';
            }
        }

        return new string(text);
    }

    // The errors below say what is wrong and never quote the value: a secret pasted on the wrong line must not reach a log.
    private static MailboxAddress ParseMailbox(string key, string value, int? entry = null) =>
        MailboxAddress.TryParse(value, out var mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal)
            ? mailbox
            : throw Invalid(key, $"{(entry is null ? "it" : $"address {entry} of the list")} is not an email address (write name@example.org or Name <name@example.org>)");

    private static SmtpSecurity ParseSecurity(string? value, int port) => value?.Trim().ToLowerInvariant() switch
    {
        null => port == 465 ? SmtpSecurity.SslOnConnect : SmtpSecurity.StartTls,
        "starttls" => SmtpSecurity.StartTls,
        "sslonconnect" or "ssl" or "tls" => SmtpSecurity.SslOnConnect,
        "none" => SmtpSecurity.None,
        _ => throw Invalid(SettingNames.SmtpSecurity, "it is not StartTls, SslOnConnect or None"),
    };

    private static string? ParseTrustedCertificate(ScorecardSettings settings, string currentDirectory)
    {
        var value = settings.Get(SettingNames.SmtpTrustedCert);
        if (value is null)
        {
            return null;
        }

        var hex = value.Replace(":", string.Empty, StringComparison.Ordinal).Trim();
        if (hex.Length == 64 && hex.All(Uri.IsHexDigit))
        {
            return hex.ToUpperInvariant();
        }

        var path = settings.GetPath(SettingNames.SmtpTrustedCert, currentDirectory)!;
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(PemOrDer(path));
            return Fingerprint(certificate);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw Invalid(SettingNames.SmtpTrustedCert, $"it is neither a SHA-256 fingerprint (64 hex digits) nor a certificate file that can be read ({e.GetType().Name})");
        }
    }

    private static byte[] PemOrDer(string path)
    {
        var text = File.ReadAllText(path);
        return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(text).RawData
            : File.ReadAllBytes(path);
    }

    public static string Fingerprint(X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));

    private static TimeZoneInfo ParseTimeZone(string? id)
    {
        if (id is null)
        {
            return TimeZoneInfo.Local;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw Invalid(SettingNames.NotificationTimeZone, "it is not a known time zone (for example Europe/Sofia)");
        }
    }

    private static CultureInfo ParseCulture(string? name)
    {
        if (name is null)
        {
            return CultureInfo.CurrentCulture;
        }

        try
        {
            return CultureInfo.GetCultureInfo(name.Trim(), predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            throw Invalid(SettingNames.NotificationCulture, "it is not a known culture (for example bg-BG or en-GB)");
        }
    }

    private static ScorecardException Invalid(string key, string why) =>
        new(ScorecardErrors.InvalidSetting, $"{key}: {why}.", key);
}
