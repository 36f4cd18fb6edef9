using System.Buffers;

namespace SalesScorecard.Archive;

/// <summary>A pooled block of the archive, shared by the compressor and the followers; back to the pool when all are done.</summary>
internal sealed class ArchiveChunk
{
    private readonly byte[] _buffer;
    private int _references = 1;

    private ArchiveChunk(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>Reads up to one chunk's worth; null at the end of the stream.</summary>
    public static async Task<ArchiveChunk?> ReadAsync(Stream source, int size, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var length = await source.ReadAtLeastAsync(buffer.AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (length > 0)
        {
            return new ArchiveChunk(buffer, length);
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return null;
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
