using System.Diagnostics;
using System.Globalization;
using Npgsql;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>
/// The environment that points pg_dump and pg_restore at the database. The password goes into a temporary 0600
/// pgpass file named by PGPASSFILE, deleted on dispose: never into argv or PGPASSWORD. The file lives in an owner-only
/// folder (the backup's destination, or a per-user one) and is named after this process, so when a crash strands it
/// the next run can tell it is stale (<see cref="RemoveStale"/>).
/// </summary>
internal sealed class PgConnectionEnvironment : IDisposable
{
    public const string PassFilePrefix = ".pgpass-";

    private readonly string? _passFile;

    private PgConnectionEnvironment(Dictionary<string, string?> variables, string? passFile)
    {
        Variables = variables;
        _passFile = passFile;
    }

    public IReadOnlyDictionary<string, string?> Variables { get; }

    /// <param name="passFileFolder">An owner-only folder for the pgpass file; null for <see cref="PrivateFolder"/>.</param>
    public static PgConnectionEnvironment Create(DatabaseUrl url, string database, string? passFileFolder = null)
    {
        var builder = url.Builder;
        string? passFile = null;
        if (builder.Password is { } password)
        {
            if (passFileFolder is null)
            {
                passFileFolder = PrivateFolder();
                RemoveStale(passFileFolder);
            }

            passFile = Path.Combine(passFileFolder, $"{PassFilePrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
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

    /// <summary>
    /// Deletes the pgpass files in <paramref name="folder"/> whose process is gone (killed before it could delete them);
    /// returns the names deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveStale(string folder)
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder))
        {
            return removed;
        }

        foreach (var file in Directory.EnumerateFiles(folder, PassFilePrefix + "*"))
        {
            var name = Path.GetFileName(file);
            var pid = name[PassFilePrefix.Length..].Split('-')[0];
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && !IsRunning(owner))
            {
                try
                {
                    File.Delete(file);
                    removed.Add(name);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left for the next run: a leftover must never fail this one.
                }
            }
        }

        return removed;
    }

    public void Dispose()
    {
        if (_passFile is not null && File.Exists(_passFile))
        {
            File.Delete(_passFile);
        }
    }

    /// <summary>A per-user owner-only folder for the pgpass files of runs without a destination (restores, drills).</summary>
    private static string PrivateFolder()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        var folder = Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, "SalesScorecard");
        SecureFiles.CreateFolder(folder);
        SecureFiles.Restrict(folder);
        return folder;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // pgpass fields escape ':' and '\' with a backslash.
    private static string Escape(string field) => field.Replace("\\", "\\\\").Replace(":", "\\:");
}
