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
    private readonly Stream _copy;

    /// <param name="copy">The copy's file, made with <see cref="SlowestWrite"/> as its limit, so that a store that holds a write up fails it.</param>
    public OffsiteTee(Stream file, Stream copy)
    {
        _file = file;
        _copy = copy;
    }

    /// <summary>Why the copy was given up, or null while it keeps up.</summary>
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
            _copy.Write(buffer);
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
