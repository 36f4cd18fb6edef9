using System.Text;

namespace SalesScorecard;

/// <summary>
/// Files and folders only their owner can read, from the moment they exist: backups hold password hashes, and
/// pgpass files hold the database password. Unix only (modes 0700 and 0600): on Windows nothing here changes an ACL, so
/// what is created inherits the ACL of the folder it is created in; keep BACKUP_DIR in a folder only its owner can read.
/// </summary>
internal static class SecureFiles
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates a folder and any missing parents, each owner-only on Unix; folders that already exist keep their mode.
    /// </summary>
    public static DirectoryInfo CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(path);
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only: the parents it creates get
        // 0777 less the umask, which is 0777 under umask 000. So create each missing folder, outermost first.
        var missing = new Stack<string>();
        for (var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
             !Directory.Exists(folder) && Path.GetDirectoryName(folder) is { } parent;
             folder = parent)
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }

        return new DirectoryInfo(path);
    }

    /// <summary>Opens a file; one it creates gets mode 0600 on Unix (an existing file keeps its mode).</summary>
    public static FileStream Create(string path, FileMode mode = FileMode.Create, FileShare share = FileShare.None)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// Opens a file that lives in a folder others may once have written to (backup.log, the lock file), creating it
    /// owner-only when missing; a symbolic link there is refused with <see cref="SymbolicLinkException"/>, never followed.
    /// </summary>
    public static FileStream OpenNoFollow(string path, FileAccess access, bool append = false)
    {
        if (!NoFollowFile.IsSupported)
        {
            // Windows: creating a symbolic link takes an administrator, and there is no O_NOFOLLOW to use.
            if (new FileInfo(path).LinkTarget is not null)
            {
                throw new SymbolicLinkException(path);
            }

            return new FileStream(path, append ? FileMode.Append : FileMode.OpenOrCreate, access, FileShare.ReadWrite | FileShare.Delete);
        }

        if (access != FileAccess.Read)
        {
            try
            {
                // O_CREAT | O_EXCL: fails on any existing name, a symbolic link included, so it never creates a link's target.
                using (Create(path, FileMode.CreateNew, FileShare.ReadWrite))
                {
                }
            }
            catch (IOException)
            {
                // The name exists: the no-follow open below decides whether it is a file we may use.
            }
        }

        var stream = new FileStream(NoFollowFile.Open(path, access, append), access, bufferSize: 0);
        if (append)
        {
            stream.Seek(0, SeekOrigin.End);
        }

        return stream;
    }

    /// <summary>Makes an open file owner-only: through its handle, so a path swapped for a link meanwhile changes nothing.</summary>
    public static void Restrict(FileStream file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file.SafeFileHandle, OwnerOnlyFile);
        }
    }

    /// <summary>Writes text to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    public static void WriteAllTextAtomic(string path, string text) => WriteAllBytesAtomic(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    public static void WriteAllBytesAtomic(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        using (var stream = Create(temporary))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Makes a file or a folder tree owner-only (for files a child process created with its own umask).</summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (Directory.Exists(path))
        {
            File.SetUnixFileMode(path, OwnerOnlyFolder);
            foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(entry, Directory.Exists(entry) ? OwnerOnlyFolder : OwnerOnlyFile);
            }
        }
        else
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }
}
