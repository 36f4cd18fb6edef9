namespace SalesScorecard.Backup;

/// <summary>
/// A destination the run, often root, can write without being steered elsewhere: nobody but its owner may write it,
/// and its fixed files are never symbolic links (<see cref="SecureFiles.OpenNoFollow"/>).
/// </summary>
internal static class DestinationSecurity
{
    /// <summary>
    /// Refuses a folder that users other than its owner may write (group or other write, /tmp's 1777 included): any of
    /// them could plant a symbolic link there that makes this run write elsewhere.
    /// </summary>
    public static void EnsureOnlyOwnerCanWrite(string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(destination);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new ScorecardException(ScorecardErrors.DestinationInsecure,
                $"'{destination}' is writable by other users than its owner (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}): " +
                "whoever can write there could plant a symbolic link that makes this run write elsewhere. Nothing was written. " +
                $"Make it owner-only (chmod 700 '{destination}') or choose another -Destination or BACKUP_DIR.", destination);
        }
    }

    /// <summary>The refusal of a destination in which a file the run uses is a symbolic link.</summary>
    public static ScorecardException Refuse(string destination, SymbolicLinkException e) =>
        new(ScorecardErrors.DestinationInsecure, $"Refusing to use '{destination}': {e.Message}", e.Path, e);
}
