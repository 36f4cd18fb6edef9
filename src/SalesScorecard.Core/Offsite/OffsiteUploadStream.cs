using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace SalesScorecard.Offsite;

/// <summary>
/// Writes one object as it is produced: bytes fill a part in memory, and a full part is uploaded while the next one
/// fills, so memory holds two parts whatever the object's size. An object smaller than a part is one PUT. Nothing is
/// visible on the store until <see cref="CompleteAsync"/>; disposing an uncompleted stream aborts the multipart upload.
/// </summary>
internal sealed class OffsiteUploadStream : Stream
{
    /// <summary>16 MiB parts: S3 allows 10,000 of them, so one object may grow to 156 GiB.</summary>
    public const int PartSize = 16 << 20;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _key;
    private readonly TimeSpan _abortTimeout;
    private readonly TimeSpan? _slowestWrite;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _cancellationToken;
    private readonly List<PartETag> _parts = [];
    private byte[] _filling = new byte[PartSize];
    private byte[] _sending = new byte[PartSize];
    private int _filled;
    private string? _uploadId;
    private Task _inFlight = Task.CompletedTask;
    private bool _completed;
    private long _length;

    /// <param name="abortTimeout">How long the abort of an unfinished upload may wait for the store (one request's time-out).</param>
    /// <param name="slowestWrite">
    /// When given, a synchronous write the store holds up longer than this fails with a TimeoutException, and the upload
    /// is dead (disposing it aborts it); null for no limit but the requests' own.
    /// </param>
    public OffsiteUploadStream(IAmazonS3 client, string bucket, string key, TimeSpan abortTimeout, TimeSpan? slowestWrite, CancellationToken cancellationToken)
    {
        _client = client;
        _abortTimeout = abortTimeout;
        _slowestWrite = slowestWrite;
        _bucket = bucket;
        _key = key;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _cancellationToken = _stop.Token;
    }

    public string Key => _key;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_slowestWrite is not { } limit)
        {
            WriteParts(buffer);
            return;
        }

        _stop.CancelAfter(limit);
        try
        {
            WriteParts(buffer);
        }
        finally
        {
            _stop.CancelAfter(Timeout.InfiniteTimeSpan);
        }

        if (_stop.IsCancellationRequested)
        {
            // The limit struck just after the write returned: the upload is dead all the same.
            throw new TimeoutException($"the store held a write up for over {limit.TotalSeconds:0} s");
        }
    }

    private void WriteParts(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var taken = Math.Min(buffer.Length, PartSize - _filled);
            buffer[..taken].CopyTo(_filling.AsSpan(_filled));
            _filled += taken;
            _length += taken;
            buffer = buffer[taken..];
            if (_filled == PartSize)
            {
                // The compressor writes synchronously from a worker thread: waiting here is what keeps memory flat.
                SendFullPartAsync().GetAwaiter().GetResult();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            var taken = Math.Min(buffer.Length, PartSize - _filled);
            buffer[..taken].Span.CopyTo(_filling.AsSpan(_filled));
            _filled += taken;
            _length += taken;
            buffer = buffer[taken..];
            if (_filled == PartSize)
            {
                await SendFullPartAsync().ConfigureAwait(false);
            }
        }
    }

    public override void Flush()
    {
    }

    /// <summary>Uploads what is left and makes the object visible; returns its size.</summary>
    public async Task<long> CompleteAsync()
    {
        if (_uploadId is null)
        {
            using var body = new MemoryStream(_filling, 0, _filled, writable: false);
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = _key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false }, _cancellationToken)
                .ConfigureAwait(false);
        }
        else
        {
            if (_filled > 0)
            {
                await SendFullPartAsync().ConfigureAwait(false);
            }

            await _inFlight.ConfigureAwait(false);
            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = _key,
                UploadId = _uploadId,
                PartETags = [.. _parts.OrderBy(p => p.PartNumber)],
            }, _cancellationToken).ConfigureAwait(false);
        }

        _completed = true;
        return _length;
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_completed && _uploadId is not null)
        {
            // A half-uploaded object must not linger as parts the store keeps (and bills) but nobody can list; a store
            // that does not answer must not hold up a run that is ending (Ctrl+C, SIGTERM) for long either.
            await _stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(_inFlight).ConfigureAwait(false);
            try
            {
                using var deadline = new CancellationTokenSource(_abortTimeout);
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = _key, UploadId = _uploadId }, deadline.Token)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
            {
                // The store is gone or refuses: the parts expire under the bucket's lifecycle rules, and no manifest points at them.
            }
        }

        _completed = true;
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_completed)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        else if (disposing)
        {
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Waits for the part before to finish, then starts uploading the filled buffer and swaps buffers.</summary>
    private async Task SendFullPartAsync()
    {
        await _inFlight.ConfigureAwait(false);
        _uploadId ??= (await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _key }, _cancellationToken)
            .ConfigureAwait(false)).UploadId;
        (_filling, _sending) = (_sending, _filling);
        var length = _filled;
        _filled = 0;
        var number = _parts.Count + 1;
        _inFlight = SendPartAsync(_sending, length, number);
    }

    private async Task SendPartAsync(byte[] buffer, int length, int number)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        var response = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = _key,
            UploadId = _uploadId,
            PartNumber = number,
            PartSize = length,
            InputStream = body,
            UseChunkEncoding = false,
        }, _cancellationToken).ConfigureAwait(false);
        _parts.Add(new PartETag(number, response.ETag));
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
