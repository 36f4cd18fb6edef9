using System.Security.Cryptography;
using SalesScorecard.Archive;
using SalesScorecard.Encryption;
using SalesScorecard.Tests.Encryption;

namespace SalesScorecard.Tests.Archive;

/// <summary>
/// Only a pass that read its whole source ends the stored archive: one that fails (a read error, a follower, a
/// cancellation) is never sealed as a whole one. A pg_dump that dies closes its output as one that finished does; its
/// exit code fails the run after the pass, and the run removes the stored file.
/// </summary>
public sealed class ArchivePipelineTests : AgeKeygenTest
{
    private readonly byte[] _raw = RandomNumberGenerator.GetBytes(24 * 1024 * 1024 + 4321);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWholeSourceIsStoredAsAWholeArchive(bool encrypted)
    {
        var stored = await WriteAsync(new MemoryStream(_raw), encrypted);

        Assert.Equal(Age.Sha256(_raw), Age.Sha256(ReadBack(stored, encrypted)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASourceThatFailsLeavesACutArchiveThatNoReaderTakesForWhole(bool encrypted)
    {
        var target = new MemoryStream();
        await Assert.ThrowsAsync<IOException>(() => WriteAsync(new FailingSource(_raw, failAfter: 20 * 1024 * 1024), encrypted, target));

        // Some of the archive reached the target; without the epilogue or the final chunk reading it back must fail,
        // never yield those bytes as the whole archive.
        Assert.True(target.Length > 1024 * 1024, $"only {target.Length} bytes were stored before the failure");
        Assert.ThrowsAny<Exception>(() => ReadBack(target.ToArray(), encrypted));
    }

    private async Task<byte[]> WriteAsync(Stream source, bool encrypted, MemoryStream? target = null)
    {
        target ??= new MemoryStream();
        Func<Stream, AgeEncryptor>? encrypt = encrypted ? output => AgeEncryptor.Create(output, [AgeRecipient.Parse(KeygenKey.Recipient)], leaveOpen: true) : null;
        await ArchivePipeline.WriteAsync(source, target, ArchiveCompression.Parse("zstd"), encrypt, [], _ => { }, CancellationToken.None);
        return target.ToArray();
    }

    private byte[] ReadBack(byte[] stored, bool encrypted)
    {
        Func<Stream, Stream>? decrypt = encrypted ? s => AgeDecryptor.Open(s, KeygenKey.Identities, leaveOpen: false) : null;
        using var raw = ArchivePipeline.OpenRaw(new MemoryStream(stored), decrypt);
        var output = new MemoryStream();
        raw.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>pg_dump's output when pg_dump dies: some bytes, then a read that fails.</summary>
    private sealed class FailingSource(byte[] bytes, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = Math.Min(count, failAfter - _position);
            if (read <= 0)
            {
                throw new IOException("pg_dump died");
            }

            Array.Copy(bytes, _position, buffer, offset, read);
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
