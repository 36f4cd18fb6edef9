using System.Globalization;

namespace SalesScorecard.Archive;

/// <summary>
/// How a backup's archive is compressed (BACKUP_COMPRESSION): <c>zstd</c> or <c>zstd:N</c> by this module in one pass
/// over pg_dump's uncompressed output, or <c>pg_dump</c> for pg_dump's own per-table compression in a plain .dump file.
/// </summary>
public sealed record ArchiveCompression(string Method, int Level)
{
    public const string Zstd = "zstd";
    public const string PgDump = "pg_dump";

    /// <summary>
    /// Level 1, chosen by measurement (bench/Backup.Benchmark.ps1, README's Performance section): on the fixtures at
    /// 4.3M rows, whose ids are random-looking as the app's are, it is the fastest, the smallest (0.93 of pg_dump -Fc's
    /// file against 0.95 for zstd's own default, level 3, whose higher levels gain nothing more here) and the lightest in
    /// memory. A larger window did shrink small dumps but cost some 300 MB of memory on large ones.
    /// </summary>
    public const int DefaultZstdLevel = 1;

    public static ArchiveCompression Default { get; } = new(Zstd, DefaultZstdLevel);

    public bool IsZstd => Method == Zstd;

    /// <summary>The name the manifest records and BACKUP_COMPRESSION takes: <c>zstd:1</c> or <c>pg_dump</c>.</summary>
    public override string ToString() => IsZstd ? $"{Zstd}:{Level.ToString(CultureInfo.InvariantCulture)}" : PgDump;

    /// <summary>Reads <c>zstd</c>, <c>zstd:N</c> (1-19) or <c>pg_dump</c>, any case; null or empty is the default.</summary>
    public static ArchiveCompression Parse(string? value)
    {
        var text = value?.Trim() ?? string.Empty;
        if (text.Length == 0 || text.Equals(Zstd, StringComparison.OrdinalIgnoreCase))
        {
            return Default;
        }

        if (text.Equals(PgDump, StringComparison.OrdinalIgnoreCase))
        {
            return new ArchiveCompression(PgDump, 0);
        }

        if (text.StartsWith(Zstd + ":", StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(text.AsSpan(Zstd.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var level) && level is >= 1 and <= 19)
        {
            return new ArchiveCompression(Zstd, level);
        }

        throw new ScorecardException(ScorecardErrors.InvalidCompression,
            "BACKUP_COMPRESSION (or -Compression) must be zstd, zstd:N with a level from 1 to 19, or pg_dump.", "BACKUP_COMPRESSION");
    }
}
