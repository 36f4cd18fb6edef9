namespace SalesScorecard.Archive;

/// <summary>
/// Passes writes through to the stored output until <see cref="Shut"/>, then drops them. A compressor closed after its
/// input failed still writes its epilogue as it is disposed; behind a shut guard that epilogue goes nowhere, so a cut
/// archive is never sealed as a whole one.
/// </summary>
internal sealed class SealGuard(Stream output) : Stream
{
    private bool _shut;

    public void Shut() => _shut = true;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_shut)
        {
            output.Write(buffer);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _shut ? ValueTask.CompletedTask : output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        if (!_shut)
        {
            output.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _shut ? Task.CompletedTask : output.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
