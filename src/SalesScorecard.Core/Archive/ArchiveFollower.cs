using System.Threading.Channels;
using SalesScorecard.Processes;

namespace SalesScorecard.Archive;

/// <summary>
/// A program that reads the archive on its standard input as the pipeline writes it (pg_restore reading it back
/// whole, pg_restore --list reading its table of contents). It gets every chunk in order; one that stops reading
/// (it is done, or it died) is let go without holding up the others, and its exit code tells which it was.
/// </summary>
internal sealed class ArchiveFollower
{
    // A few chunks of slack: the follower may lag a moment behind the compressor, never far.
    private readonly Channel<ArchiveChunk> _chunks = Channel.CreateBounded<ArchiveChunk>(new BoundedChannelOptions(8) { SingleWriter = true });
    private volatile bool _stopped;

    /// <summary>Ties the follower to its process: once that has ended, nothing more is queued for it.</summary>
    public void Attach(Task process) => process.ContinueWith(_ => Stop(), TaskScheduler.Default);

    /// <summary>For <c>ExternalProcess.RunAsync</c>'s feedInput: writes every chunk to the program's standard input.</summary>
    public async Task FeedAsync(Stream input, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var chunk in _chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await input.WriteAsync(chunk.Memory, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    chunk.Release();
                }
            }
        }
        catch (IOException)
        {
            // It stopped reading: done with what it needed, or dead. Its exit code says which.
        }
        finally
        {
            Stop();
        }
    }

    internal async ValueTask SendAsync(ArchiveChunk chunk, CancellationToken cancellationToken)
    {
        chunk.AddReference();
        try
        {
            if (_stopped || !await _chunks.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false) || !_chunks.Writer.TryWrite(chunk))
            {
                chunk.Release();
            }
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            chunk.Release();
            if (e is OperationCanceledException)
            {
                throw;
            }
        }
    }

    /// <summary>
    /// The archive is complete (<paramref name="failure"/> null): the follower reads what is queued, then sees the end of
    /// its input. Or the pipeline failed: the follower's feed fails too, and its program is killed before it sees an end.
    /// </summary>
    internal void Complete(Exception? failure) =>
        // Never an IOException: the feed would take that for its program having stopped reading, and end its input.
        _chunks.Writer.TryComplete(failure is null ? null : new InvalidOperationException("The archive stopped before its end.", failure));

    private void Stop()
    {
        _stopped = true;
        _chunks.Writer.TryComplete();
        while (_chunks.Reader.TryRead(out var chunk))
        {
            chunk.Release();
        }
    }
}
