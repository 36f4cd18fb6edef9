using System.Globalization;
using System.Text;
using SalesScorecard.Database;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SalesScorecard.Backup;

public sealed record ManifestFile(string Sha256, long Bytes)
{
    internal static ManifestFile Of(byte[] content) => new(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant(), content.Length);
}

/// <summary>How the stored archive is encrypted: the format and the public recipients it was encrypted to, never an identity.</summary>
public sealed record ManifestEncryption(string Format, IReadOnlyList<string> Recipients)
{
    public const string AgeV1 = "age-v1";
}

/// <summary>manifest.json: everything needed to trust, list and restore a backup without opening the dump.</summary>
public sealed class BackupManifest
{
    public const string FileName = "manifest.json";
    public const string SummaryFileName = "summary.txt";
    private const string RowsHeading = "Rows per table:";
    private const string TotalRowsLabel = "Total Rows: ";
    public const string ProducerName = "SalesScorecard";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public int ManifestVersion { get; set; } = 1;

    /// <summary>Marks the folder as ours: retention never touches a folder without it.</summary>
    public string Producer { get; set; } = ProducerName;

    public required string Name { get; set; }

    public string Status { get; set; } = BackupStatus.Incomplete;

    public DateTime StartedAt { get; set; }

    public DateTime CompletedAt { get; set; }

    public double DurationSeconds { get; set; }

    public required string Database { get; set; }

    public required string Host { get; set; }

    public int Port { get; set; }

    public required string ServerVersion { get; set; }

    public required string PgDumpVersion { get; set; }

    public required string ModuleVersion { get; set; }

    /// <summary><c>custom</c> or <c>directory</c>, as pg_dump's --format.</summary>
    public required string Format { get; set; }

    /// <summary>The archive's name inside the backup folder.</summary>
    public required string DumpFile { get; set; }

    public string? Snapshot { get; set; }

    public long SizeBytes { get; set; }

    public long TotalRows { get; set; }

    public Dictionary<string, long> Tables { get; set; } = new(StringComparer.Ordinal);

    public int TocEntries { get; set; }

    /// <summary>
    /// <c>zstd:N</c> when this module compressed pg_dump's uncompressed archive, <c>pg_dump</c> when pg_dump compressed
    /// it; absent in backups made before there was a choice, which are pg_dump's.
    /// </summary>
    public string? Compression { get; set; }

    /// <summary>Null when the stored archive is not encrypted.</summary>
    public ManifestEncryption? Encryption { get; set; }

    /// <summary>SHA-256 of the archive as pg_dump wrote it, before compression and encryption; null when it is stored as written.</summary>
    public string? RawSha256 { get; set; }

    public long? RawBytes { get; set; }

    /// <summary>True when the stored archive is zstd-compressed (and maybe encrypted) by this module.</summary>
    [JsonIgnore]
    public bool IsStreamed => Compression?.StartsWith(Archive.ArchiveCompression.Zstd, StringComparison.Ordinal) == true;

    public bool Verified { get; set; }

    /// <summary>Every file of the backup but the manifest itself, by path relative to the folder ('/' separated).</summary>
    public Dictionary<string, ManifestFile> Files { get; set; } = new(StringComparer.Ordinal);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>What makes this manifest unusable, or null: restore and retention trust only a whole one.</summary>
    public string? Problem()
    {
        // JSON null passes the deserializer even for required members: check what listing and restore rely on.
        if (Tables is null || Files is null)
        {
            return "manifest.json lacks its tables or files.";
        }

        var missing = new (string Field, string? Value)[] { ("name", Name), ("database", Database), ("format", Format), ("dumpFile", DumpFile) }
            .Where(f => string.IsNullOrEmpty(f.Value)).Select(f => f.Field).ToList();
        if (missing.Count > 0)
        {
            return $"manifest.json has no {string.Join(", ", missing)}.";
        }

        // The archive must be one of the hashed files, inside the folder: never a path that leads out of it.
        if (DumpFile.Length == 0 || Path.IsPathRooted(DumpFile) || DumpFile.Contains("..", StringComparison.Ordinal) ||
            DumpFile.IndexOfAny(['/', '\\']) >= 0)
        {
            return $"manifest.json names the archive '{DumpFile}', which is not a file of the backup folder.";
        }

        var archiveFile = Format == "directory" ? $"{DumpFile}/toc.dat" : DumpFile;
        return Files.ContainsKey(archiveFile) && Files.Values.All(f => f?.Sha256 is { Length: 64 })
            ? null
            : "manifest.json does not list the archive with a SHA-256.";
    }

    /// <summary>summary.txt: the backup for a reader; hashed with the other files, so its row counts vouch for the manifest's.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine("Sales Scorecard database backup")
            .AppendLine($"Backup: {Name}")
            .AppendLine($"Database: {Database} on {Host}:{Port} (PostgreSQL {ServerVersion})")
            .AppendLine($"Snapshot taken: {StartedAt:yyyy-MM-dd HH:mm:ss} UTC")
            .AppendLine($"Archive: {DumpFile} (pg_dump --format={Format}, {Bytes.Format(SizeBytes)}, {TocEntries} TOC entries)")
            .AppendLine($"Compression: {Compression ?? Archive.ArchiveCompression.PgDump}")
            .AppendLine($"Encryption: {(Encryption is null ? "none" : $"{Encryption.Format} to {string.Join(", ", Encryption.Recipients)}")}")
            .AppendLine($"Verified: {(Verified ? "yes, read back whole with pg_restore" : "no (-SkipVerify)")}")
            .AppendLine()
            .AppendLine(RowsHeading);
        foreach (var (table, rows) in Tables)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {table}: {rows}");
        }

        return text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{TotalRowsLabel}{TotalRows}").ToString();
    }

    /// <summary>
    /// The row count lines of a summary.txt ("  schema.table: rows" and "Total Rows: n"), sorted: two summaries
    /// with the same counts give the same lines, whatever order their tables were written in.
    /// </summary>
    public static IReadOnlyList<string> SummaryCountLines(string summary)
    {
        var lines = summary.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var start = lines.IndexOf(RowsHeading);
        var end = lines.FindIndex(Math.Max(start, 0), line => line.StartsWith(TotalRowsLabel, StringComparison.Ordinal));
        return start < 0 || end < 0
            ? []
            : lines.GetRange(start + 1, end - start).Where(line => line.Length > 0).Order(StringComparer.Ordinal).ToList();
    }

    public static BackupManifest Deserialize(string json) =>
        JsonSerializer.Deserialize<BackupManifest>(json, Json) ?? throw new JsonException("The manifest is empty.");

    /// <param name="problem">Why the backup is not whole where it is kept (a file gone), or null: it is then Incomplete, whatever the manifest says.</param>
    public BackupInfo ToBackupInfo(string folder, string? problem = null)
    {
        return new BackupInfo
        {
            Name = Path.GetFileName(folder),
            Path = folder,
            DumpFile = Path.Combine(folder, DumpFile),
            Status = problem is null ? Status : BackupStatus.Incomplete,
            Error = problem,
            StartedAt = StartedAt,
            CompletedAt = CompletedAt,
            Database = Database,
            Host = $"{Host}:{Port}",
            ServerVersion = ServerVersion,
            PgDumpVersion = PgDumpVersion,
            SizeBytes = SizeBytes,
            RawBytes = RawBytes,
            TotalRows = TotalRows,
            Tables = TableCounts.From(Tables),
            Sha256 = Files.TryGetValue(Format == "directory" ? $"{DumpFile}/toc.dat" : DumpFile, out var dump) ? dump.Sha256 : null,
            Verified = Verified,
            Compression = Compression ?? Archive.ArchiveCompression.PgDump,
            Encrypted = Encryption is not null,
        };
    }
}
