using System.Security.Cryptography;

namespace SalesScorecard.Encryption;

/// <summary>
/// A write-only stream that encrypts what is written to it into the age v1 format, for X25519 recipients. The header
/// and the payload nonce are written at creation; each 64 KiB chunk is written once the next byte shows it is not the
/// last; <see cref="FlushFinalBlock"/> writes the final chunk. Disposing without it leaves the file cut short, which
/// every reader rejects: a writer whose input failed must never seal what it has as a whole file. Memory stays two
/// chunk buffers whatever the size of the data.
/// </summary>
internal sealed class AgeEncryptor : Stream
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly ChaChaPoly _cipher;
    private readonly byte[] _plaintext = new byte[AgePayload.ChunkSize];
    private readonly byte[] _sealed = new byte[AgePayload.SealedChunkSize];
    private readonly byte[] _nonce = new byte[ChaChaPoly.NonceSize];
    private int _buffered;
    private ulong _chunkCounter;
    private bool _finished;
    private bool _disposed;

    private AgeEncryptor(Stream output, bool leaveOpen, ChaChaPoly cipher)
    {
        _output = output;
        _leaveOpen = leaveOpen;
        _cipher = cipher;
    }

    /// <summary>Writes the header for <paramref name="recipients"/> to <paramref name="output"/> and returns the stream to write the plaintext to.</summary>
    public static AgeEncryptor Create(Stream output, IReadOnlyList<AgeRecipient> recipients, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw AgeErrors.InvalidRecipient("No recipient is given.");
        }

        var fileKey = RandomNumberGenerator.GetBytes(AgePrimitives.FileKeySize);
        try
        {
            var payloadNonce = RandomNumberGenerator.GetBytes(AgePayload.NonceSize);
            output.Write(AgeHeader.Write(recipients.Select(recipient => X25519Stanza.Wrap(fileKey, recipient)), fileKey));
            output.Write(payloadNonce);
            return new AgeEncryptor(output, leaveOpen, AgePayload.CreateCipher(fileKey, payloadNonce));
        }
        catch
        {
            // The stream was handed over: a failed start must not leave it (a file handle) open.
            if (!leaveOpen)
            {
                output.Dispose();
            }

            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_buffered == AgePayload.ChunkSize)
            {
                _output.Write(SealChunk(final: false).Span);
            }

            buffer = buffer[Append(buffer)..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_buffered == AgePayload.ChunkSize)
            {
                await _output.WriteAsync(SealChunk(final: false), cancellationToken).ConfigureAwait(false);
            }

            buffer = buffer[Append(buffer.Span)..];
        }
    }

    /// <summary>
    /// Writes the final chunk, which marks the data complete: call it only when all the plaintext is written. A file
    /// without it is rejected as cut short.
    /// </summary>
    public void FlushFinalBlock()
    {
        if (!_finished)
        {
            _output.Write(SealChunk(final: true).Span);
            _finished = true;
        }

        _output.Flush();
    }

    public async ValueTask FlushFinalBlockAsync(CancellationToken cancellationToken = default)
    {
        if (!_finished)
        {
            await _output.WriteAsync(SealChunk(final: true), cancellationToken).ConfigureAwait(false);
            _finished = true;
        }

        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes the output; a partly filled chunk stays buffered, as sealing it would end the file.</summary>
    public override void Flush() => _output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            ReleaseResources();
            if (!_leaveOpen)
            {
                await _output.DisposeAsync().ConfigureAwait(false);
            }
        }

        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            ReleaseResources();
            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void ReleaseResources()
    {
        _disposed = true;
        _cipher.Dispose();
        CryptographicOperations.ZeroMemory(_plaintext);
    }

    private int Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw new InvalidOperationException("The final chunk is written: nothing more can be added to this age file.");
        }

        var count = Math.Min(AgePayload.ChunkSize - _buffered, data.Length);
        data[..count].CopyTo(_plaintext.AsSpan(_buffered));
        _buffered += count;
        return count;
    }

    private ReadOnlyMemory<byte> SealChunk(bool final)
    {
        AgePayload.SetChunkNonce(_nonce, _chunkCounter++, final);
        _cipher.Seal(_nonce, _plaintext.AsSpan(0, _buffered), _sealed);
        var length = _buffered + ChaChaPoly.TagSize;
        _buffered = 0;
        return _sealed.AsMemory(0, length);
    }
}
