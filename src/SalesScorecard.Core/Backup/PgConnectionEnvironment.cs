using Npgsql;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>
/// The environment that points pg_dump and pg_restore at the database. The password goes into a temporary 0600
/// pgpass file named by PGPASSFILE, deleted on dispose: never into argv or PGPASSWORD.
/// </summary>
public sealed class PgConnectionEnvironment : IDisposable
{
    private readonly string? _passFile;

    private PgConnectionEnvironment(Dictionary<string, string?> variables, string? passFile)
    {
        Variables = variables;
        _passFile = passFile;
    }

    public IReadOnlyDictionary<string, string?> Variables { get; }

    public static PgConnectionEnvironment Create(DatabaseUrl url, string database)
    {
        var builder = url.Builder;
        string? passFile = null;
        if (builder.Password is { } password)
        {
            passFile = Path.Combine(Path.GetTempPath(), $"scorecard-{Guid.NewGuid():N}.pgpass");
            using var stream = SecureFiles.Create(passFile, FileMode.CreateNew);
            using var writer = new StreamWriter(stream);
            writer.Write($"*:*:*:{Escape(builder.Username ?? string.Empty)}:{Escape(password)}\n");
        }

        var variables = new Dictionary<string, string?>
        {
            ["PGHOST"] = url.Host,
            ["PGPORT"] = url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = builder.Username,
            ["PGDATABASE"] = database,
            ["PGAPPNAME"] = builder.ApplicationName,
            ["PGSSLMODE"] = builder.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            },
            ["PGSSLROOTCERT"] = builder.RootCertificate,
            ["PGCONNECT_TIMEOUT"] = builder.Timeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGOPTIONS"] = builder.Options,
            // The password is ours or none: a stray PGPASSWORD, pgpass or service entry must not supply another.
            ["PGPASSFILE"] = passFile ?? (OperatingSystem.IsWindows() ? "NUL" : "/dev/null"),
            ["PGPASSWORD"] = null,
            ["PGSERVICE"] = null,
            ["PGSERVICEFILE"] = null,
            ["PGTZ"] = null,
        };
        return new PgConnectionEnvironment(variables, passFile);
    }

    /// <summary>
    /// pg_restore's --dbname value for <paramref name="database"/>, as a conninfo string: a bare name containing '='
    /// would otherwise be read as one.
    /// </summary>
    public static string DbNameArgument(string database) =>
        "--dbname=dbname='" + database.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    public void Dispose()
    {
        if (_passFile is not null && File.Exists(_passFile))
        {
            File.Delete(_passFile);
        }
    }

    // pgpass fields escape ':' and '\' with a backslash.
    private static string Escape(string field) => field.Replace("\\", "\\\\").Replace(":", "\\:");
}
