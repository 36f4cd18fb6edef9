namespace SalesScorecard.Offsite;

/// <summary>
/// Writes the stored archive to the local file and, while the store keeps up, into its offsite upload too, so that the
/// copy is made while pg_dump runs instead of after it. The local backup never depends on the store: the first failure
/// of the upload, or a write the store holds up longer than <see cref="SlowestWrite"/>, ends the upload and is kept in
/// <see cref="UploadFailure"/>; the copy then starts again from the finished file.
/// </summary>
internal sealed class OffsiteTee : Stream
{
    /// <summary>Longer than a healthy store takes for a part, far shorter than BACKUP_STALL_SECONDS.</summary>
    public static readonly TimeSpan SlowestWrite = TimeSpan.FromSeconds(60);

    private readonly Stream _file;
    private readonly OffsiteUploadStream _upload;

    public OffsiteTee(Stream file, OffsiteUploadStream upload)
    {
        _file = file;
        _upload = upload;
    }

    /// <summary>Why the upload was given up, or null while it keeps up.</summary>
    public Exception? UploadFailure { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _file.Length;

    public override long Position { get => _file.Position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _file.Write(buffer);
        if (UploadFailure is not null)
        {
            return;
        }

        try
        {
            _upload.LimitWrites(SlowestWrite);
            _upload.Write(buffer);
            _upload.LimitWrites(null);
            if (_upload.Stopped)
            {
                // The limit struck just after the write returned: the upload is dead all the same.
                UploadFailure = new TimeoutException($"the store held a write up for over {SlowestWrite.TotalSeconds:0} s");
            }
        }
        catch (Exception e)
        {
            UploadFailure = e;
        }
    }

    public override void Flush() => _file.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
