namespace SalesScorecard.Repository;

/// <summary>
/// A backup's archive written into another repository while it was made (see <see cref="Offsite.OffsiteTee"/>), not yet
/// completed: the copy of that backup completes it instead of sending the archive again. Disposing it aborts it.
/// </summary>
internal sealed record PendingArchive(IBackupWriter Writer, Stream Archive, string Relative) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Writer.DisposeAsync();
}
