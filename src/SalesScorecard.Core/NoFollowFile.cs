using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SalesScorecard;

/// <summary>
/// open(2) with O_NOFOLLOW and flock(2), which .NET does not offer: a file in a folder someone else could once write
/// may be a planted symbolic link, and following it as root writes wherever it points. Linux and macOS only.
/// </summary>
internal static class NoFollowFile
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>Opens an existing file; a symbolic link is refused with <see cref="SymbolicLinkException"/>.</summary>
    /// <param name="append">O_APPEND: every write lands at the end, also while another process appends.</param>
    public static SafeFileHandle Open(string path, FileAccess access, bool append)
    {
        var flags = access switch { FileAccess.Read => 0, FileAccess.Write => 1, _ => 2 } | Flags.NoFollow | Flags.CloseOnExec |
                    (append ? Flags.Append : 0);
        int fd;
        do
        {
            fd = open(path, flags);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Errno.Interrupted);

        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == Errno.Loop
                ? new SymbolicLinkException(path)
                : ToException(errno, path);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Takes flock(LOCK_EX) without waiting; false when another open file holds a lock on it.</summary>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        if (flock((int)handle.DangerousGetHandle(), LockExclusive | LockNonBlocking) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.WouldBlock ? false : throw ToException(errno, null);
    }

    private static Exception ToException(int errno, string? path)
    {
        var message = Marshal.GetPInvokeErrorMessage(errno) + (path is null ? "" : $": '{path}'");
        return errno is Errno.Access or Errno.NotPermitted ? new UnauthorizedAccessException(message) : new IOException(message, errno);
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA2101 // a plain two-argument call; no mode is passed, as open is variadic
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
#pragma warning restore SYSLIB1054, CA2101

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054
    private static extern int flock(int fd, int operation);
#pragma warning restore SYSLIB1054

    private static class Flags
    {
        // O_NOFOLLOW differs between Linux architectures; macOS has its own numbers.
        public static readonly int NoFollow = OperatingSystem.IsMacOS() ? 0x100
            : RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000;

        public static readonly int CloseOnExec = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

        public static readonly int Append = OperatingSystem.IsMacOS() ? 0x8 : 0x400;
    }

    private static class Errno
    {
        public const int NotPermitted = 1;
        public const int Interrupted = 4;
        public const int Access = 13;
        public static readonly int Loop = OperatingSystem.IsMacOS() ? 62 : 40;
        public static readonly int WouldBlock = OperatingSystem.IsMacOS() ? 35 : 11;
    }
}

/// <summary>A file that was to be opened is a symbolic link, and was not followed.</summary>
internal sealed class SymbolicLinkException(string path)
    : IOException($"'{path}' is a symbolic link; it was not followed, as it could point anywhere (whoever could write its folder may have planted it). Remove it and run again.")
{
    public string Path { get; } = path;
}
