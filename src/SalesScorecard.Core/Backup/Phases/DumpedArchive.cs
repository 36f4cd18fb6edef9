using SalesScorecard.Archive;

namespace SalesScorecard.Backup.Phases;

/// <summary>
/// What the dump phase hands on: the rows counted in the snapshot, the stored archive's sizes and hashes when it passed
/// through the module (null when pg_dump wrote it itself), and the reads of it still finishing (its table of contents
/// and its verification, both taken as it was written).
/// </summary>
internal sealed record DumpedArchive(IReadOnlyDictionary<string, long> Counts, StoredArchive? Stored, Task<ArchiveToc>? StreamedToc, Task Verification);
