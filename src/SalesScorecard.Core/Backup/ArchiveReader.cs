using SalesScorecard.Processes;

namespace SalesScorecard.Backup;

/// <summary>Proves a pg_dump archive is readable with pg_restore, without a database.</summary>
internal static class ArchiveReader
{
    private static readonly IReadOnlyDictionary<string, string?> NoConnection = new Dictionary<string, string?>();
    private static readonly string NullDevice = OperatingSystem.IsWindows() ? "NUL" : "/dev/null";

    /// <summary>
    /// Runs <c>pg_restore --list</c> and returns the archive's table of contents. On an archive being written it is
    /// complete as soon as pg_restore has read that far: pg_dump writes the whole table of contents first.
    /// </summary>
    public static async Task<ArchiveToc> ReadTocAsync(PgTools tools, ArchiveSource archive, CancellationToken cancellationToken)
    {
        var list = await ExternalProcess.RunAsync(tools.PgRestore, ["--list", .. archive.Arguments], NoConnection, cancellationToken, archive.Feed).ConfigureAwait(false);
        return ParseToc(list, archive.Label);
    }

    private static ArchiveToc ParseToc(ProcessResult list, string archive) =>
        list.ExitCode == 0
            ? ArchiveToc.Parse(list.StandardOutput)
            : throw new ScorecardException(ScorecardErrors.ArchiveUnreadable,
                $"pg_restore --list cannot read '{archive}': {list.DescribeFailure("pg_restore")}", archive);

    /// <summary>
    /// Reads a custom-format archive whole with <c>pg_restore --file</c> to the null device while pg_dump is still
    /// writing it, so the check costs no time after the dump. pg_dump writes the archive front to back (header, table
    /// of contents, data blocks) and at the end only fills in the offsets of the table of contents: the stream
    /// pg_restore reads is the archive as pg_dump would send it down a pipe. The finished table of contents is read
    /// afterwards by <see cref="ReadTocAsync"/>.
    /// </summary>
    public static async Task ReadWhileWrittenAsync(PgTools tools, string archive, Task writerFinished, CancellationToken cancellationToken)
    {
        var read = await ExternalProcess.RunAsync(tools.PgRestore, ["--file", NullDevice], NoConnection, cancellationToken,
            (stdin, ct) => FollowAsync(archive, writerFinished, stdin, ct)).ConfigureAwait(false);
        EnsureReadWhole(read, archive);
    }

    /// <summary>Copies the file to <paramref name="output"/> as it grows, until its writer has finished.</summary>
    private static async Task FollowAsync(string path, Task writerFinished, Stream output, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        while (true)
        {
            // Looked at before reading: once the writer is done, an empty read is the end of the file.
            var finished = writerFinished.IsCompleted;
            var count = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                try
                {
                    await output.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // pg_restore stopped reading: it failed, and its exit code and message say why.
                    return;
                }
            }
            else if (finished)
            {
                return;
            }
            else
            {
                await Task.WhenAny(writerFinished, Task.Delay(50, cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads the whole archive with <c>pg_restore --file</c> to the null device: a truncated or corrupted data
    /// block passes --list but fails here.
    /// </summary>
    public static async Task ReadFullyAsync(PgTools tools, ArchiveSource archive, CancellationToken cancellationToken)
    {
        var read = await ExternalProcess.RunAsync(tools.PgRestore, ["--file", NullDevice, .. archive.Arguments], NoConnection, cancellationToken, archive.Feed).ConfigureAwait(false);
        EnsureReadWhole(read, archive.Label);
    }

    /// <summary>
    /// Fails unless pg_restore read the archive to its end without a word. A reader killed by a signal says nothing
    /// about the archive, so it is VerifierKilled, not ArchiveUnreadable.
    /// </summary>
    private static void EnsureReadWhole(ProcessResult read, string archive)
    {
        if (read.ExitCode == 0 && read.StandardError.Length == 0)
        {
            return;
        }

        throw read.KilledBy is not null
            ? new ScorecardException(ScorecardErrors.VerifierKilled,
                $"The pg_restore reading '{archive}' back died before it finished, so the archive is unverified: {read.DescribeFailure("pg_restore")}", archive)
            : new ScorecardException(ScorecardErrors.ArchiveUnreadable,
                $"pg_restore cannot read all of '{archive}' (exit code {read.ExitCode}): {read.StandardError}", archive);
    }
}
