using System.Text.RegularExpressions;
using SalesScorecard.Processes;

namespace SalesScorecard.Backup;

/// <summary>pg_dump and its pg_restore, found and versioned once per run.</summary>
internal sealed partial class PgTools
{
    private PgTools(string pgDump, string pgRestore, Version version, string versionText)
    {
        PgDump = pgDump;
        PgRestore = pgRestore;
        Version = version;
        VersionText = versionText;
    }

    public string PgDump { get; }

    public string PgRestore { get; }

    public Version Version { get; }

    /// <summary>What pg_dump --version printed, e.g. "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".</summary>
    public string VersionText { get; }

    /// <summary>
    /// Finds pg_dump: PG_DUMP_PATH (the program itself), else PATH, else the newest PostgreSQL install folder
    /// (/usr/lib/postgresql/*/bin on Debian, the usual folders on macOS and Windows). pg_restore must stand beside it.
    /// </summary>
    public static async Task<PgTools> LocateAsync(string? configuredPath, CancellationToken cancellationToken)
    {
        var pgDump = configuredPath is { Length: > 0 }
            ? File.Exists(configuredPath)
                ? Path.GetFullPath(configuredPath)
                : throw new ScorecardException(ScorecardErrors.PgDumpNotFound,
                    $"PG_DUMP_PATH names '{configuredPath}', which does not exist. Point it at the pg_dump program.", configuredPath)
            : FindOnPath() ?? FindInstalled()
              ?? throw new ScorecardException(ScorecardErrors.PgDumpNotFound,
                  "pg_dump was not found on PATH nor in the usual PostgreSQL folders. Install the PostgreSQL client " +
                  "(Debian/Ubuntu: apt-get install postgresql-client) or set PG_DUMP_PATH to the pg_dump program.");

        var pgRestore = Path.Combine(Path.GetDirectoryName(pgDump)!, ExecutableName("pg_restore"));
        if (!File.Exists(pgRestore))
        {
            throw new ScorecardException(ScorecardErrors.PgDumpNotFound,
                $"pg_restore was not found beside '{pgDump}'; both come with the PostgreSQL client.", pgRestore);
        }

        // Both are run once here, so a program that exists but cannot be run fails now with a plain message.
        var versions = await Task.WhenAll(VersionTextAsync(pgDump, cancellationToken), VersionTextAsync(pgRestore, cancellationToken)).ConfigureAwait(false);
        var text = versions[0];
        var match = VersionPattern().Match(text);
        var version = new Version(int.Parse(match.Groups[1].Value), match.Groups[2].Success ? int.Parse(match.Groups[2].Value) : 0);
        return new PgTools(pgDump, pgRestore, version, text);
    }

    /// <summary>pg_dump refuses, or silently misses features of, a server newer than itself.</summary>
    public void EnsureCanDump(Version serverVersion, string serverVersionText)
    {
        if (Version.Major < serverVersion.Major)
        {
            throw new ScorecardException(ScorecardErrors.PgDumpTooOld,
                $"pg_dump {Version.Major} ('{PgDump}') cannot dump a PostgreSQL {serverVersion.Major} server ({serverVersionText}). " +
                $"Install the PostgreSQL {serverVersion.Major} client or newer and point PG_DUMP_PATH at its pg_dump.", PgDump);
        }
    }

    /// <summary>What <c>program --version</c> prints, or PgDumpNotFound saying why it could not be run.</summary>
    private static async Task<string> VersionTextAsync(string program, CancellationToken cancellationToken)
    {
        ProcessResult result;
        try
        {
            result = await ExternalProcess.RunAsync(program, ["--version"], new Dictionary<string, string?>(), cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ScorecardException(ScorecardErrors.PgDumpNotFound,
                $"'{program}' could not be run: {e.Message}. It must be an executable PostgreSQL client program.", program, e);
        }

        var text = result.StandardOutput.Trim();
        if (result.ExitCode != 0 || !VersionPattern().IsMatch(text))
        {
            throw new ScorecardException(ScorecardErrors.PgDumpNotFound,
                $"'{program} --version' did not print a PostgreSQL version ({result.DescribeFailure(Path.GetFileName(program))}).", program);
        }

        return text;
    }

    private static string ExecutableName(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    private static string? FindOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, ExecutableName("pg_dump")))
            .FirstOrDefault(File.Exists);

    private static string? FindInstalled()
    {
        var roots = OperatingSystem.IsWindows()
            ? new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "PostgreSQL") }
            : OperatingSystem.IsMacOS()
                ? new[] { "/opt/homebrew/opt", "/usr/local/opt", "/Library/PostgreSQL", "/Applications/Postgres.app/Contents/Versions" }
                : new[] { "/usr/lib/postgresql", "/usr/pgsql" };
        return roots.Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateDirectories(root))
            .Select(folder => (Folder: folder, Major: MajorOf(Path.GetFileName(folder))))
            .Where(candidate => candidate.Major > 0)
            .OrderByDescending(candidate => candidate.Major)
            .Select(candidate => Path.Combine(candidate.Folder, "bin", ExecutableName("pg_dump")))
            .FirstOrDefault(File.Exists);
    }

    private static int MajorOf(string folderName) =>
        MajorPattern().Match(folderName) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"(\d+)(?:\.\d+)?$")]
    private static partial Regex MajorPattern();
}
