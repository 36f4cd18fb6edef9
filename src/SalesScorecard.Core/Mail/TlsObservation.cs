using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SalesScorecard.Mail;

/// <summary>The server certificate seen in a TLS handshake, and why it was or was not trusted.</summary>
internal sealed class TlsObservation(string? trustedSha256)
{
    public X509Certificate2? Certificate { get; private set; }

    public SslPolicyErrors Errors { get; private set; }

    public IReadOnlyList<string> ChainProblems { get; private set; } = [];

    public bool Pinned { get; private set; }

    /// <summary>Trusted by SMTP_TRUSTED_CERT although it has expired: a pin outlives the dates, but someone should renew it.</summary>
    public bool PinnedButExpired => Pinned && Certificate is { } certificate && certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        Certificate = certificate is null ? null : new X509Certificate2(certificate);
        Errors = errors;
        ChainProblems = chain?.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList() ?? [];
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // SMTP_TRUSTED_CERT trusts exactly one certificate, by its SHA-256, whatever its chain or name.
        Pinned = trustedSha256 is not null && certificate is not null && MailSettings.Fingerprint(certificate) == trustedSha256;
        return Pinned;
    }

    public string ExpiredPinWarning(string server) =>
        $"{server}'s certificate, trusted by SMTP_TRUSTED_CERT, expired on {Certificate!.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC. " +
        "It is still trusted because it is pinned; renew it on the server and set SMTP_TRUSTED_CERT to the new one.";

    public string Describe(string server, MailSettings settings)
    {
        if (Certificate is null)
        {
            return $"The TLS handshake with {server} failed before a certificate was seen. Check SMTP_SECURITY " +
                   $"({SmtpNotifier.SubmissionPorts}) and SMTP_PORT.";
        }

        var why = new List<string>();
        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            why.Add($"it is not issued for '{settings.Host}'");
        }

        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            why.Add(ChainProblems.Count > 0 ? string.Join("; ", ChainProblems) : "its chain is not trusted");
        }

        var fingerprint = MailSettings.Fingerprint(Certificate);
        var pin = settings.TrustedCertificateSha256 is { } trusted
            ? $" SMTP_TRUSTED_CERT trusts {trusted[..16]}…, which is not this certificate."
            : $" If you have checked that this is your server's own certificate, trust it with SMTP_TRUSTED_CERT={fingerprint} or its .crt file.";
        return $"{server}'s certificate is not trusted: {string.Join("; ", why)}. Subject: {Certificate.Subject}; issuer: {Certificate.Issuer}; " +
               $"valid until {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC; SHA-256 {fingerprint}.{pin}";
    }
}
