using System.Threading.Channels;
using SalesScorecard.Encryption;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace SalesScorecard.Archive;

/// <summary>What the pipeline wrote: the raw archive's and the stored file's sizes and SHA-256.</summary>
internal sealed record StoredArchive(long RawBytes, string RawSha256, long StoredBytes, string StoredSha256);

/// <summary>
/// One pass over pg_dump's uncompressed archive: every chunk goes to the followers (the programs that verify it), into
/// the raw SHA-256, through zstd and, when asked, encryption, into the stored file's SHA-256 and onto disk. Each
/// byte is read once and each piece of work done once; zstd compresses on its own worker threads.
/// </summary>
internal static class ArchivePipeline
{
    private const int ChunkSize = 1 << 20;

    /// <param name="source">pg_dump's standard output.</param>
    /// <param name="target">Where the stored bytes go: the stored file (flushed to disk at the end), or an object being uploaded. Left open.</param>
    /// <param name="encrypt">Wraps the stored output in an encryptor, or null to store the compressed bytes.</param>
    /// <param name="progress">Told the raw bytes read so far, after every chunk.</param>
    /// <remarks>Only a pass that read the whole source ends the zstd frame and the age file; a failed one leaves both cut.</remarks>
    public static async Task<StoredArchive> WriteAsync(
        Stream source,
        Stream target,
        ArchiveCompression compression,
        Func<Stream, AgeEncryptor>? encrypt,
        IReadOnlyList<ArchiveFollower> followers,
        Action<long> progress,
        CancellationToken cancellationToken)
    {
        using var raw = new HashingStream(Stream.Null);
        var stored = new HashingStream(target, leaveOpen: true);
        var guard = new SealGuard(stored);
        // Stops the reader when the work fails, so that it never waits on a queue nobody empties.
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = Channel.CreateBounded<ArchiveChunk>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        // Reading runs ahead of the work by a few chunks, so pg_dump never waits on the compressor's pauses.
        var reader = ReadAllAsync(source, chunks.Writer, stopReading.Token);
        AgeEncryptor? encryptor = null;
        CompressionStream? compressor = null;
        Exception? failure = null;
        try
        {
            encryptor = encrypt?.Invoke(guard);
            compressor = OpenCompressor((Stream?)encryptor ?? guard, compression, leaveOpen: true);
            await CompressAllAsync(chunks.Reader, followers, raw, compressor, progress, cancellationToken).ConfigureAwait(false);
            await reader.ConfigureAwait(false);
            await compressor.DisposeAsync().ConfigureAwait(false); // the frame's epilogue
            if (encryptor is not null)
            {
                await encryptor.FlushFinalBlockAsync(cancellationToken).ConfigureAwait(false);
            }

            // On disk before the manifest that vouches for it is written: a power cut must not leave a manifest
            // pointing at bytes that were only in the page cache.
            await stored.FlushAsync(cancellationToken).ConfigureAwait(false);
            (target as FileStream)?.Flush(flushToDisk: true);
            return new StoredArchive(raw.BytesPassed, raw.Sha256, stored.BytesPassed, stored.Sha256);
        }
        catch (Exception e)
        {
            failure = e;
            guard.Shut();
            throw;
        }
        finally
        {
            await stopReading.CancelAsync().ConfigureAwait(false);
            foreach (var follower in followers)
            {
                // A follower must never take a cut archive for a whole one: on failure it is failed, not ended.
                follower.Complete(failure);
            }

            await Task.WhenAny(reader).ConfigureAwait(false);
            await ReleaseAsync(compressor, encryptor, stored, failed: failure is not null).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a whole pass the compressor is closed already and its second dispose does nothing; after a failure its
    /// epilogue goes into the shut guard, and a compressor left broken by the failure must not hide that failure.
    /// </summary>
    private static async Task ReleaseAsync(CompressionStream? compressor, AgeEncryptor? encryptor, HashingStream stored, bool failed)
    {
        try
        {
            if (compressor is not null)
            {
                await compressor.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception) when (failed)
        {
            // The pass's own failure is what the caller needs; the stored bytes are cut either way.
        }
        finally
        {
            encryptor?.Dispose();
            await stored.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task CompressAllAsync(
        ChannelReader<ArchiveChunk> chunks, IReadOnlyList<ArchiveFollower> followers, HashingStream raw, Stream compressor, Action<long> progress,
        CancellationToken cancellationToken)
    {
        await foreach (var chunk in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var follower in followers)
                {
                    await follower.SendAsync(chunk, cancellationToken).ConfigureAwait(false);
                }

                raw.Write(chunk.Span);
                compressor.Write(chunk.Span);
            }
            finally
            {
                chunk.Release();
            }

            progress(raw.BytesPassed);
        }
    }

    /// <summary>A stream that zstd-compresses into <paramref name="output"/>, with frame checksums, on a worker thread per core.</summary>
    public static CompressionStream OpenCompressor(Stream output, ArchiveCompression compression, bool leaveOpen)
    {
        var stream = new CompressionStream(output, compression.Level, ChunkSize, leaveOpen);
        // The frame checksum lets zstd itself catch damage in a stored file that is later decompressed.
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        if (Environment.ProcessorCount > 1)
        {
            stream.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Environment.ProcessorCount);
        }

        return stream;
    }

    /// <summary>Reads the raw archive back out of a stored file: decrypted by <paramref name="decrypt"/> when given, then decompressed.</summary>
    public static Stream OpenRaw(Stream stored, Func<Stream, Stream>? decrypt) =>
        new DecompressionStream(decrypt is null ? stored : decrypt(stored), ChunkSize, checkEndOfStream: true, leaveOpen: false);

    private static async Task ReadAllAsync(Stream source, ChannelWriter<ArchiveChunk> chunks, CancellationToken cancellationToken)
    {
        try
        {
            while (await ArchiveChunk.ReadAsync(source, ChunkSize, cancellationToken).ConfigureAwait(false) is { } chunk)
            {
                await chunks.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            }

            chunks.Complete();
        }
        catch (Exception e)
        {
            chunks.Complete(e);
            throw;
        }
    }
}
