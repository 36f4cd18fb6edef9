using System.Security.Cryptography;

namespace SalesScorecard.Encryption;

/// <summary>
/// A read-only stream of the plaintext of an age v1 file. The header MAC is checked on opening, and each chunk is
/// authenticated before any of its bytes are returned; the end of the data is reported only after a valid final
/// chunk with nothing behind it, so a truncated or extended file fails as <c>ArchiveTampered</c> (as the reference
/// implementation does, that error comes on the read after the last authentic chunk).
/// </summary>
internal sealed class AgeDecryptor : Stream
{
    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private readonly ChaChaPoly _cipher;

    private readonly byte[] _sealed = new byte[AgePayload.SealedChunkSize];
    private readonly byte[] _plaintext = new byte[AgePayload.ChunkSize];
    private readonly byte[] _nonce = new byte[ChaChaPoly.NonceSize];
    private int _sealedLength;
    private int _plaintextStart;
    private int _plaintextEnd;
    private ulong _chunkCounter;
    private bool _finalChunkRead;
    private bool _endReached;
    private bool _disposed;

    private AgeDecryptor(Stream input, bool leaveOpen, ChaChaPoly cipher)
    {
        _input = input;
        _leaveOpen = leaveOpen;
        _cipher = cipher;
    }

    /// <summary>
    /// Reads the header and the payload nonce and unwraps the file key with one of <paramref name="identities"/>.
    /// Errors: <c>NotAgeEncrypted</c>, <c>ArchiveTampered</c>, <c>IdentityDoesNotMatch</c>.
    /// </summary>
    /// <param name="recipients">
    /// The recipients the file was encrypted to, when known (a backup's manifest records them). The header does not
    /// name them, so only with them can a changed stanza be told from a wrong identity: an identity of one of these
    /// recipients that opens no stanza means the header was altered (<c>ArchiveTampered</c>).
    /// </param>
    public static AgeDecryptor Open(Stream input, IReadOnlyList<AgeIdentity> identities, bool leaveOpen, IReadOnlyCollection<AgeRecipient>? recipients = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(identities);
        try
        {
            var header = AgeHeader.Inspect(input);
            var fileKey = UnwrapFileKey(header, identities, recipients ?? []);
            try
            {
                if (!header.MacMatches(fileKey))
                {
                    throw AgeErrors.Tampered("the header's MAC does not match");
                }

                var payloadNonce = new byte[AgePayload.NonceSize];
                if (input.ReadAtLeast(payloadNonce, payloadNonce.Length, throwOnEndOfStream: false) < payloadNonce.Length)
                {
                    throw AgeErrors.Tampered("the file ends before its payload");
                }

                return new AgeDecryptor(input, leaveOpen, AgePayload.CreateCipher(fileKey, payloadNonce));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(fileKey);
            }
        }
        catch
        {
            // The stream was handed over: a failed open must not leave it (a file handle) open.
            if (!leaveOpen)
            {
                input.Dispose();
            }

            throw;
        }
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_plaintextStart == _plaintextEnd && !_endReached && !buffer.IsEmpty)
        {
            _sealedLength = _input.ReadAtLeast(_sealed, _sealed.Length, throwOnEndOfStream: false);
            Advance();
        }

        return CopyPlaintext(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_plaintextStart == _plaintextEnd && !_endReached && !buffer.IsEmpty)
        {
            _sealedLength = await _input.ReadAtLeastAsync(_sealed, _sealed.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            Advance();
        }

        return CopyPlaintext(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _cipher.Dispose();
            CryptographicOperations.ZeroMemory(_plaintext);
            if (!_leaveOpen)
            {
                _input.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static byte[] UnwrapFileKey(AgeHeader header, IReadOnlyList<AgeIdentity> identities, IReadOnlyCollection<AgeRecipient> recipients)
    {
        foreach (var stanza in header.Stanzas)
        {
            foreach (var identity in identities)
            {
                if (identity.TryUnwrap(stanza) is { } fileKey)
                {
                    return fileKey;
                }
            }
        }

        if (identities.FirstOrDefault(identity => recipients.Contains(identity.ToRecipient())) is { } intended)
        {
            throw AgeErrors.Tampered($"the file was made for {intended.ToRecipient()}, but no recipient stanza opens with its identity");
        }

        var x25519Count = header.Stanzas.Count(stanza => stanza.Type == X25519Stanza.Type);
        var otherTypes = header.Stanzas.Select(stanza => stanza.Type).Where(type => type != X25519Stanza.Type).Distinct().ToList();
        var contents = $"{x25519Count} X25519 recipient(s)" + (otherTypes.Count > 0 ? $" and stanzas of type {string.Join(", ", otherTypes)}" : string.Empty);
        var given = string.Join(", ", identities.Select(identity => identity.ToRecipient()));
        var madeFor = recipients.Count > 0
            ? $"The file was made for {string.Join(", ", recipients)}; the identities given have the public keys {(given.Length > 0 ? given : "(none)")}. "
            : $"age does not record which; the identities given have the public keys {(given.Length > 0 ? given : "(none)")}. ";
        throw new ScorecardException(ScorecardErrors.IdentityDoesNotMatch,
            $"None of the given identities can open this file, which is encrypted to {contents}. {madeFor}Use the identity " +
            "whose public key was in BACKUP_ENCRYPTION_RECIPIENTS when the backup was made (its manifest lists them); " +
            "if that is the one given, the file's header was changed: use another backup.");
    }

    /// <summary>
    /// Acts on the bytes just read: after the final chunk they must be none; otherwise they are the next chunk. A
    /// shorter chunk must be the final one; a full one is either (the reader cannot tell before opening it).
    /// </summary>
    private void Advance()
    {
        if (_finalChunkRead)
        {
            _endReached = _sealedLength == 0 ? true : throw AgeErrors.Tampered("data follows the final chunk");
            return;
        }

        var chunk = $"chunk {_chunkCounter + 1} (payload byte {(long)_chunkCounter * AgePayload.SealedChunkSize})";
        if (_sealedLength == 0)
        {
            throw AgeErrors.Tampered(_chunkCounter == 0 ? "the payload is missing" : $"the file ends before {chunk}, the final chunk");
        }

        var final = _sealedLength < AgePayload.SealedChunkSize;
        if (!TryOpenChunk(final) && (final || !TryOpenChunk(final = true)))
        {
            throw AgeErrors.Tampered(final
                ? $"{chunk}, the last in the file, fails authentication: the file was cut inside it, or altered"
                : $"{chunk} fails authentication");
        }

        if (final && _plaintextEnd == 0 && _chunkCounter > 0)
        {
            throw AgeErrors.Tampered("the final chunk is empty");
        }

        _chunkCounter++;
        _finalChunkRead = final;
    }

    private bool TryOpenChunk(bool final)
    {
        AgePayload.SetChunkNonce(_nonce, _chunkCounter, final);
        var opened = _cipher.TryOpen(_nonce, _sealed.AsSpan(0, _sealedLength), _plaintext);
        _plaintextStart = 0;
        _plaintextEnd = opened ? _sealedLength - ChaChaPoly.TagSize : 0;
        return opened;
    }

    private int CopyPlaintext(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _plaintextEnd - _plaintextStart);
        _plaintext.AsSpan(_plaintextStart, count).CopyTo(buffer);
        _plaintextStart += count;
        return count;
    }
}
