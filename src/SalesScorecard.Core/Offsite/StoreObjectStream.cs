using Amazon.Runtime;

namespace SalesScorecard.Offsite;

/// <summary>
/// An object's bytes as the store sends them, read with two guarantees the SDK's stream lacks: a read the store leaves
/// unanswered for longer than a request's time-out fails (an IOException over a TimeoutException) instead of waiting
/// for ever, and an object whose bytes do not match what the store recorded for it (the SDK's check of the ETag, or
/// whatever else the SDK client finds wrong with the body) is <c>ArchiveTampered</c>, never a raw SDK exception. The
/// SDK's check when the stream is closed is not thrown: the manifest's SHA-256, checked by the readers, decides.
/// </summary>
internal sealed class StoreObjectStream(Stream inner, string url, TimeSpan readTimeout) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (AmazonClientException e)
        {
            throw Tampered(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(readTimeout);
        try
        {
            return await inner.ReadAsync(buffer, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"The store sent nothing of {url} for {readTimeout.TotalSeconds:0} s.", new TimeoutException(e.Message, e));
        }
        catch (AmazonClientException e)
        {
            throw Tampered(e);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                inner.Dispose();
            }
            catch (AmazonClientException)
            {
                // The SDK compares the ETag when the stream closes, also one closed early or after a failure it would
                // replace. What was read was, or is being, judged by its SHA-256 against the manifest's: that decides.
            }
        }

        base.Dispose(disposing);
    }

    private ScorecardException Tampered(AmazonClientException e) =>
        new(ScorecardErrors.ArchiveTampered,
            $"The object {url} does not match what the store recorded for it when it was written ({e.Message}): its bytes were changed on the " +
            "store, so none of it can be trusted. Use another backup.", url, e);
}
