namespace SalesScorecard.Backup.Phases;

/// <summary>What the verify phase hands on: the archive's table-of-contents entry count, and its files with their SHA-256, by path in the backup.</summary>
internal sealed record VerifiedArchive(int TocEntries, IReadOnlyDictionary<string, ManifestFile> Files);
