namespace SalesScorecard.Tests.Storage;

/// <summary>
/// A file's bytes in memory, each write first asking the repository whether it fails. A MemoryStream subclass routes
/// its span and async writes through this one.
/// </summary>
internal sealed class FailingWrites(Action check) : MemoryStream
{
    public override void Write(byte[] buffer, int offset, int count)
    {
        check();
        base.Write(buffer, offset, count);
    }
}
