namespace SalesScorecard.Backup.Phases;

/// <summary>Where a run's archive goes: the backup's name, the archive's file name in it, and its path (on disk) or address (on a store), for pg_dump and messages.</summary>
internal sealed record ArchiveTarget(string Name, string DumpName, string DumpPath);
