using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Npgsql;

namespace SalesScorecard.Settings;

/// <summary>
/// A parsed DATABASE_URL: a <c>postgresql://</c> or <c>postgres://</c> URI (user and password percent-encoded, port
/// 5432 by default, <c>sslmode</c> and a few libpq query keys honoured) or an Npgsql keyword string.
/// Without an <c>sslmode</c>, a non-local host gets TLS (SSL Mode Require), as the Node app does.
/// </summary>
public sealed partial class DatabaseUrl
{
    private const string PasswordMask = ConfigSetting.Masked;
    private static readonly string[] SupportedQueryKeys = ["sslmode", "sslrootcert", "connect_timeout", "application_name", "options", "schema"];

    private DatabaseUrl(NpgsqlConnectionStringBuilder builder) => Builder = builder;

    internal NpgsqlConnectionStringBuilder Builder { get; }

    public string Host => Builder.Host ?? "localhost";

    public int Port => Builder.Port;

    public string Database => Builder.Database ?? Builder.Username ?? "postgres";

    public string? Username => Builder.Username;

    /// <summary>The same server and credentials, another database.</summary>
    public DatabaseUrl WithDatabase(string database) =>
        new(new NpgsqlConnectionStringBuilder(Builder.ConnectionString) { Database = database });

    /// <summary>
    /// The same server and database as another user or with another password: a credential given apart from the URL
    /// (a PSCredential), so that the password needs to be in neither the URL nor the shell's history.
    /// </summary>
    /// <param name="userName">Replaces the URL's user; null or empty keeps it.</param>
    /// <param name="password">Replaces the URL's password; empty means none.</param>
    public DatabaseUrl WithCredential(string? userName, string password)
    {
        var builder = new NpgsqlConnectionStringBuilder(Builder.ConnectionString)
        {
            Password = password.Length == 0 ? null : password,
        };
        if (!string.IsNullOrEmpty(userName))
        {
            builder.Username = userName;
        }

        return new DatabaseUrl(builder);
    }

    /// <summary>Host, port, database and user, for messages. Never the password.</summary>
    public string Describe() => $"{Host}:{Port}, database '{Database}', user '{Username ?? "(none)"}'";

    public static DatabaseUrl Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.Trim();
        var builder = IsUri(trimmed) ? FromUri(trimmed) : FromKeywords(trimmed);
        builder.ApplicationName ??= "SalesScorecard";
        if (IsUri(trimmed) || !trimmed.Contains("pooling", StringComparison.OrdinalIgnoreCase))
        {
            // A cmdlet call is short: an idle pooled connection would only keep the database busy for DROP or
            // CREATE DATABASE ... TEMPLATE after it.
            builder.Pooling = false;
        }

        return new DatabaseUrl(builder);
    }

    /// <summary>The value with its password replaced by asterisks; unparseable input is masked whole.</summary>
    public static string TryMask(string value)
    {
        try
        {
            var url = Parse(value);
            var trimmed = value.Trim();
            if (IsUri(trimmed))
            {
                var parts = SplitUri(trimmed);
                var colon = parts.UserInfo?.IndexOf(':') ?? -1;
                return colon < 0
                    ? trimmed
                    : $"{parts.Scheme}://{parts.UserInfo![..(colon + 1)]}{PasswordMask}@{parts.HostAndPath}{(parts.Query.Length > 0 ? "?" + parts.Query : "")}";
            }

            if (url.Builder.Password is not null)
            {
                url.Builder.Password = PasswordMask;
            }

            if (url.Builder.SslPassword is not null)
            {
                url.Builder.SslPassword = PasswordMask;
            }

            return url.Builder.ConnectionString;
        }
        catch (ScorecardException)
        {
            return PasswordMask;
        }
    }

    private static bool IsUri(string value) =>
        value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    private static NpgsqlConnectionStringBuilder FromKeywords(string value)
    {
        // Only a real scheme ends at "://": in Host=...;Password=ab://cd the "://" belongs to a keyword string's value.
        if (OtherScheme().IsMatch(value))
        {
            throw Invalid("it is a URI of another scheme; use postgresql://user:password@host:5432/database");
        }

        if (!value.Contains('=', StringComparison.Ordinal))
        {
            throw Invalid("it is neither a postgresql:// URI nor a Host=...;Database=... keyword string");
        }

        var pairs = new DbConnectionStringBuilder();
        try
        {
            pairs.ConnectionString = value;
        }
        catch (ArgumentException)
        {
            throw Invalid("the keyword string is not Keyword=value pairs separated by ';' (enclose a value holding ';', '=' or a quote in double quotes, doubling any double quote inside)");
        }

        // Npgsql's own messages quote an unknown keyword or a bad value, which may be part of the password: name
        // only keywords Npgsql knows, and the position of one it does not.
        var builder = new NpgsqlConnectionStringBuilder();
        var position = 0;
        foreach (string keyword in pairs.Keys)
        {
            position++;
            if (!builder.ContainsKey(keyword))
            {
                throw Invalid($"keyword {position} of the keyword string is not one Npgsql knows");
            }

            try
            {
                builder[keyword] = pairs[keyword];
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw Invalid($"the value of {keyword} in the keyword string is not valid");
            }
        }

        return builder;
    }

    private static NpgsqlConnectionStringBuilder FromUri(string value)
    {
        var (_, userInfo, hostAndPath, query) = SplitUri(value);
        var slash = hostAndPath.IndexOf('/');
        var hostPort = slash >= 0 ? hostAndPath[..slash] : hostAndPath;
        var encodedDatabase = slash >= 0 ? hostAndPath[(slash + 1)..] : string.Empty;

        var builder = new NpgsqlConnectionStringBuilder();
        if (userInfo is not null)
        {
            var colon = userInfo.IndexOf(':');
            builder.Username = Decode(colon >= 0 ? userInfo[..colon] : userInfo, "user name");
            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..], "password");
            }
        }

        var (host, port) = SplitHostPort(hostPort);
        builder.Host = host;
        builder.Port = port;
        if (encodedDatabase.Length == 0)
        {
            throw Invalid("it names no database; end it with /database_name");
        }

        // Checked before decoding: a '/' written as %2F is part of the name, as the message advises.
        if (encodedDatabase.Contains('/', StringComparison.Ordinal))
        {
            throw Invalid("the database name contains '/'; percent-encode it as %2F");
        }

        builder.Database = Decode(encodedDatabase, "database name");
        ApplyQuery(builder, query);
        if (!HasSslMode(query) && !IsLocal(host))
        {
            builder.SslMode = SslMode.Require;
        }

        return builder;
    }

    /// <summary>
    /// Splits <c>scheme://user:password@host:port/db?query</c>. The user info ends at the last '@', so an unencoded
    /// '@' or '/' in a password still works (an '@' in a database name must then be encoded).
    /// </summary>
    private static (string Scheme, string? UserInfo, string HostAndPath, string Query) SplitUri(string value)
    {
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        var rest = value[(schemeEnd + 3)..];
        var at = rest.LastIndexOf('@');
        var queryStart = rest.IndexOf('?', at + 1);
        var query = queryStart >= 0 ? rest[(queryStart + 1)..] : string.Empty;
        rest = queryStart >= 0 ? rest[..queryStart] : rest;
        return at < 0
            ? (value[..schemeEnd], null, rest, query)
            : (value[..schemeEnd], rest[..at], rest[(at + 1)..], query);
    }

    private static (string Host, int Port) SplitHostPort(string hostPort)
    {
        string host;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            var end = hostPort.IndexOf(']');
            if (end < 0)
            {
                throw Invalid("the IPv6 host's '[' is never closed");
            }

            host = hostPort[1..end];
            var after = hostPort[(end + 1)..];
            if (after.StartsWith(':'))
            {
                portText = after[1..];
            }
            else if (after.Length > 0)
            {
                throw Invalid("unexpected text after the IPv6 host");
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            portText = colon >= 0 ? hostPort[(colon + 1)..] : null;
        }

        host = Decode(host, "host");
        if (host.Length == 0)
        {
            throw Invalid("it names no host; write postgresql://user:password@host:5432/database");
        }

        if (string.IsNullOrEmpty(portText))
        {
            return (host, 5432);
        }

        return int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? (host, port)
            : throw Invalid("the port is not a number from 1 to 65535");
    }

    private static void ApplyQuery(NpgsqlConnectionStringBuilder builder, string query)
    {
        var position = 0;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            position++;
            var eq = pair.IndexOf('=');
            // Only a supported key is named in a message: anything else may be a misplaced part of the password.
            var key = Decode(eq >= 0 ? pair[..eq] : pair, $"name of query parameter {position}").ToLowerInvariant();
            if (!SupportedQueryKeys.Contains(key))
            {
                throw Invalid($"query parameter {position} is not supported (supported: {string.Join(", ", SupportedQueryKeys)})");
            }

            var value = eq >= 0 ? Decode(pair[(eq + 1)..], $"value of {key}") : string.Empty;
            switch (key)
            {
                case "sslmode":
                    builder.SslMode = value.ToLowerInvariant() switch
                    {
                        "disable" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw Invalid("sslmode is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                    };
                    break;
                case "sslrootcert":
                    builder.RootCertificate = value;
                    break;
                case "connect_timeout":
                    builder.Timeout = int.TryParse(value, out var seconds) && seconds >= 0
                        ? seconds
                        : throw Invalid("connect_timeout is not a whole number of seconds");
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                case "options":
                    builder.Options = value;
                    break;
                case "schema":
                    // Prisma's key, present in the app's own DATABASE_URL; the backup covers every schema anyway.
                    break;
            }
        }
    }

    private static bool HasSslMode(string query) =>
        query.Split('&').Any(p => p.StartsWith("sslmode=", StringComparison.OrdinalIgnoreCase));

    private static bool IsLocal(string host) =>
        host is "localhost" or "127.0.0.1" or "::1" || host.StartsWith('/') ||
        (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private static string Decode(string text, string what)
    {
        try
        {
            // Uri.UnescapeDataString leaves malformed escapes as they are; catch them instead of guessing.
            for (var i = text.IndexOf('%'); i >= 0; i = text.IndexOf('%', i + 1))
            {
                if (i + 2 >= text.Length || !Uri.IsHexDigit(text[i + 1]) || !Uri.IsHexDigit(text[i + 2]))
                {
                    throw Invalid($"the {what} has a '%' that does not start a %XX escape; percent-encode '%' as %25");
                }
            }

            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            throw Invalid($"the {what} is not valid percent-encoding");
        }
    }

    /// <summary>A URI scheme as RFC 3986 spells it, then "://".</summary>
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*://")]
    private static partial Regex OtherScheme();

    /// <summary>Never quotes the value: what failed to parse may be, or hold, the password.</summary>
    private static ScorecardException Invalid(string why) =>
        new(ScorecardErrors.InvalidDatabaseUrl, $"DATABASE_URL is not usable: {why}.");
}
