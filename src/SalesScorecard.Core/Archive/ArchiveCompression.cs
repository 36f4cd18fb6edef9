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
    /// Level 4, chosen by measurement on this project's fixtures (md5-like ids, as the app's own): with the
    /// <see cref="WindowLog"/> window it stores a raw archive in about 0.6 of pg_dump -Fc's size at the CPU cost of
    /// level 3 (0.88) and below level 6 (0.76); level 9 reaches 0.53 at about twice the CPU. README's Performance
    /// section has the figures.
    /// </summary>
    public const int DefaultZstdLevel = 4;

    /// <summary>
    /// A 16 MiB window: a dump repeats itself across rows further apart than the small windows of the low levels see,
    /// and zstd -d (and every decoder) reads a window this size without being asked to.
    /// </summary>
    public const int WindowLog = 24;

    public static ArchiveCompression Default { get; } = new(Zstd, DefaultZstdLevel);

    public bool IsZstd => Method == Zstd;

    /// <summary>The name the manifest records and BACKUP_COMPRESSION takes: <c>zstd:4</c> or <c>pg_dump</c>.</summary>
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

        throw new ScorecardException("InvalidCompression", ScorecardErrorCategory.InvalidArgument,
            "BACKUP_COMPRESSION (or -Compression) must be zstd, zstd:N with a level from 1 to 19, or pg_dump.", "BACKUP_COMPRESSION");
    }
}
