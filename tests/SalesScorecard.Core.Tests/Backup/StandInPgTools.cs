namespace SalesScorecard.Tests.Backup;

/// <summary>
/// pg_dump and pg_restore as shell scripts in a folder, for the engine's tests: pg_dump prints a small archive (or the
/// failure a test gives it), pg_restore reads whatever it is fed and lists two tables (or fails the full read).
/// </summary>
internal static class StandInPgTools
{
    public const string Archive = "PGDMP stand-in archive\n";

    private const string Listing =
        ";\n;     dbname: scorecard\n;     Format: CUSTOM\n;\n215; 1259 16390 TABLE public users app\n216; 1259 16391 TABLE public evaluations app\n";

    /// <summary>Writes both scripts into <paramref name="folder"/>; returns pg_dump's path.</summary>
    /// <param name="dump">pg_dump's work after --version: by default it prints <see cref="Archive"/>.</param>
    /// <param name="read">pg_restore's full read after it drained its input: by default it succeeds.</param>
    public static string Write(string folder, int major = 15, string? dump = null, string? read = null)
    {
        var pgDump = Script(folder, "pg_dump", major, dump ?? $"printf '{Archive.Replace("\n", "\\n", StringComparison.Ordinal)}'");
        Script(folder, "pg_restore", major,
            $"cat > /dev/null\nif [ \"$1\" = \"--list\" ]; then printf '{Listing.Replace("\n", "\\n", StringComparison.Ordinal)}'; exit 0; fi\n{read ?? "exit 0"}");
        return pgDump;
    }

    private static string Script(string folder, string name, int major, string body)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, $"#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo \"{name} (PostgreSQL) {major}.14\"; exit 0; fi\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
