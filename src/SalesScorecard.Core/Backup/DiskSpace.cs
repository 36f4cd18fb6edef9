namespace SalesScorecard.Backup;

/// <summary>The free-space check before a backup into a local folder.</summary>
internal static class DiskSpace
{
    /// <summary>
    /// Fails early when the next backup cannot fit: it will be about the size of the last backup of the same database
    /// there (with half again for growth), or, with none to go by, at most the database's own size, which a compressed
    /// archive is a small fraction of.
    /// </summary>
    public static void Ensure(string destination, string database, long databaseBytes)
    {
        var last = BackupCatalog.List(destination).FirstOrDefault(b => b.Status == BackupStatus.Succeeded && b.Database == database && b.SizeBytes > 0);
        var needed = last is null ? databaseBytes : last.SizeBytes + last.SizeBytes / 2;
        var basis = last is null
            ? $"the database's {Bytes.Format(databaseBytes)} (there is no earlier backup of it here to estimate from)"
            : $"the {Bytes.Format(needed)} the next backup needs (the last one, {last.Name}, took {Bytes.Format(last.SizeBytes)}; half again is left for growth)";

        long free;
        try
        {
            free = new DriveInfo(destination).AvailableFreeSpace;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // A share the OS cannot measure (a UNC path): pg_dump itself will still fail loudly if it fills up.
            return;
        }

        if (free < needed)
        {
            throw new ScorecardException(ScorecardErrors.InsufficientDiskSpace,
                $"'{destination}' has {Bytes.Format(free)} free, less than {basis}. Free space there or choose another -Destination.", destination);
        }
    }
}
