using System.Net.Sockets;
using MailKit;

namespace SalesScorecard.Mail;

/// <summary>
/// Watches MailKit's protocol log, which records each write once the network has taken it, for the final dot. MailKit
/// reports the message's progress as it fills its buffer, before the last bytes and the dot are flushed, so progress
/// alone cannot tell a mail that never left from one the server may have. A server that had already hung up before the
/// dot left (its end of the connection closed or reset) cannot have taken it either. Whether it had is read from the
/// socket at the events before the dot's write (the 354 reply, earlier chunks), never after it: by then a fast server
/// may have taken the dot and hung up, which is the ambiguous case.
/// </summary>
internal sealed class FinalDotWatcher : IProtocolLogger
{
    private static readonly byte[] EndOfData = "\r\n.\r\n"u8.ToArray();

    private byte[] _tail = [];

    private bool _hungUpBeforeThisWrite;

    /// <summary>Set once the whole message has been handed to MailKit: only then can a written dot be the final one.</summary>
    public bool MessageWritten { get; set; }

    public bool DotSent { get; private set; }

    /// <summary>The connection's socket, once connected: whether the server has hung up is read from it.</summary>
    public Socket? Socket { get; set; }

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void LogClient(byte[] buffer, int offset, int count)
    {
        // Dot-stuffing doubles a dot that starts a line, so CRLF . CRLF is only ever the end of the data.
        var incoming = buffer.AsSpan(offset, count);
        _tail = [.. _tail, .. incoming[Math.Max(0, count - EndOfData.Length)..]];
        _tail = _tail[Math.Max(0, _tail.Length - EndOfData.Length)..];
        DotSent |= MessageWritten && _tail.AsSpan().SequenceEqual(EndOfData) && !_hungUpBeforeThisWrite;
        _hungUpBeforeThisWrite |= ServerHungUp();
    }

    /// <summary>Readable with nothing to read is the end of the stream: the server closed (or reset) its end.</summary>
    private bool ServerHungUp()
    {
        try
        {
            return Socket is { } socket && socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    public void LogConnect(Uri uri)
    {
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        _hungUpBeforeThisWrite |= ServerHungUp();
    }

    public void Dispose()
    {
    }
}
