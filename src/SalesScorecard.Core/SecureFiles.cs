using System.Text;

namespace SalesScorecard;

/// <summary>
/// Files and folders only their owner can read, from the moment they exist: backups hold password hashes, and
/// pgpass files hold the database password.
/// </summary>
public static class SecureFiles
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

    /// <summary>Writes text to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    public static void WriteAllTextAtomic(string path, string text)
    {
        var temporary = path + ".tmp";
        using (var stream = Create(temporary))
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
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
