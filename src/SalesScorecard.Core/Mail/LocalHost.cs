using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace SalesScorecard.Mail;

/// <summary>
/// This machine's fully qualified name, when it has one: EHLO and Message-ID should carry one (Postfix's
/// reject_non_fqdn_helo_hostname, spam filters' "Message-ID without FQDN").
/// </summary>
internal static class LocalHost
{
    private static readonly Lazy<string?> Name = new(Find);

    public static string? FullyQualifiedName => Name.Value;

    private static string? Find()
    {
        var host = Dns.GetHostName();
        if (IsQualified(host))
        {
            return host;
        }

        var domain = IPGlobalProperties.GetIPGlobalProperties().DomainName;
        if (!string.IsNullOrWhiteSpace(domain) && domain != "(none)")
        {
            return $"{host}.{domain.Trim('.')}";
        }

        try
        {
            var canonical = Dns.GetHostEntry(host).HostName;
            return IsQualified(canonical) ? canonical : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static bool IsQualified(string name) =>
        name.Contains('.', StringComparison.Ordinal) && !name.EndsWith(".localdomain", StringComparison.OrdinalIgnoreCase)
        && !name.StartsWith("localhost", StringComparison.OrdinalIgnoreCase);
}
