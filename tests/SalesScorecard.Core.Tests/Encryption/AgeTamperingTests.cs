using System.Security.Cryptography;
using System.Text;
using SalesScorecard.Encryption;

namespace SalesScorecard.Tests.Encryption;

/// <summary>A changed, cut or extended age file is refused, and only authenticated plaintext is released.</summary>
public sealed class AgeTamperingTests : AgeKeygenTest
{
    private const int SealedChunkSize = 64 * 1024 + 16;
    private readonly byte[] _plaintext = RandomNumberGenerator.GetBytes(2 * 64 * 1024 + 18928);   // two full chunks and a short final one
    private readonly byte[] _original;
    private readonly int _headerLength;

    public AgeTamperingTests()
    {
        _original = Age.Protect(_plaintext, KeygenKey.Recipient);
        _headerLength = (int)Age.HeaderLength(_original);
    }

    private int PayloadStart => _headerLength + 16;

    private int HeaderOffset(string text) => Encoding.ASCII.GetString(_original, 0, _headerLength).IndexOf(text, StringComparison.Ordinal);

    private byte[] ChangedCopy(int position)
    {
        var copy = (byte[])_original.Clone();
        var index = position < 0 ? copy.Length + position : position;
        // 'A' or 'B': a change that stays valid base64 in the header, so that only the MAC or a tag can catch it.
        copy[index] = copy[index] == (byte)'A' ? (byte)'B' : (byte)'A';
        return copy;
    }

    private ScorecardException OpenFails(string errorId, byte[] encrypted, params string[] madeFor) =>
        Errors.Raises(errorId, () => Age.Unprotect(encrypted, KeygenKey.Identities, madeFor));

    [Fact]
    public void OpensUnchanged()
    {
        Assert.Equal(Age.Sha256(_plaintext), Age.Sha256(Age.Unprotect(_original, KeygenKey.Identities, KeygenKey.Recipient)));
    }

    [Theory]
    [InlineData("the stanza's ephemeral share")]
    [InlineData("the stanza's body")]
    [InlineData("the MAC line")]
    [InlineData("the payload nonce")]
    [InlineData("the first chunk")]
    [InlineData("the second chunk's tag")]
    [InlineData("the last byte")]
    public void AChangedByteIsArchiveTampered(string where)
    {
        var position = where switch
        {
            "the stanza's ephemeral share" => HeaderOffset("-> X25519 ") + 15,
            "the stanza's body" => HeaderOffset("\n---") - 20,
            "the MAC line" => _headerLength - 10,
            "the payload nonce" => _headerLength + 3,
            "the first chunk" => PayloadStart + 1000,
            "the second chunk's tag" => PayloadStart + 2 * SealedChunkSize - 5,
            _ => -1,
        };

        var failure = OpenFails("ArchiveTampered", ChangedCopy(position), KeygenKey.Recipient);

        Assert.Equal(ScorecardErrorCategory.InvalidData, failure.Category);
        Assert.Matches("changed or cut short.*Use another backup", failure.Message);
    }

    [Fact]
    public void AChangedHeaderWithUnknownRecipientsIsIdentityDoesNotMatchNamingTheHeaderAsACause()
    {
        var failure = OpenFails("IdentityDoesNotMatch", ChangedCopy(HeaderOffset("-> X25519 ") + 15));

        Assert.Contains("header was changed", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChangedVersionLineIsNotAgeEncrypted()
    {
        Assert.Equal(ScorecardErrorCategory.InvalidData, OpenFails("NotAgeEncrypted", ChangedCopy(3)).Category);
    }

    [Theory]
    [InlineData("inside the header")]
    [InlineData("after the header")]
    [InlineData("after the payload nonce")]
    [InlineData("at the first chunk boundary")]
    [InlineData("at the second chunk boundary")]
    [InlineData("in the middle of a chunk")]
    [InlineData("one byte short")]
    public void AFileCutShortIsArchiveTampered(string where)
    {
        var length = where switch
        {
            "inside the header" => _headerLength - 20,
            "after the header" => _headerLength,
            "after the payload nonce" => PayloadStart,
            "at the first chunk boundary" => PayloadStart + SealedChunkSize,
            "at the second chunk boundary" => PayloadStart + 2 * SealedChunkSize,
            "in the middle of a chunk" => PayloadStart + SealedChunkSize + 30000,
            _ => _original.Length - 1,
        };

        OpenFails("ArchiveTampered", _original[..length]);
    }

    [Fact]
    public void AnEncryptorDisposedBeforeItsFinalChunkLeavesAFileThatIsArchiveTampered()
    {
        var output = new MemoryStream();
        using (var encryptor = AgeEncryptor.Create(output, [AgeRecipient.Parse(KeygenKey.Recipient)], leaveOpen: true))
        {
            encryptor.Write(_plaintext);
        }

        OpenFails("ArchiveTampered", output.ToArray());
    }

    [Theory]
    [InlineData(100)]
    [InlineData(65536)]
    public void DataAfterTheFinalChunkIsArchiveTampered(int size)
    {
        OpenFails("ArchiveTampered", [.. Age.Protect(RandomNumberGenerator.GetBytes(size), KeygenKey.Recipient), 1, 2, 3]);
    }

    [Fact]
    public void OnlyAuthenticatedChunksAreReleasedTheFirstThenTheErrorAtTheChangedSecond()
    {
        var released = new MemoryStream();
        using var decryptor = AgeDecryptor.Open(new MemoryStream(ChangedCopy(PayloadStart + SealedChunkSize + 10)), KeygenKey.Identities, leaveOpen: false);

        Errors.Raises("ArchiveTampered", () => decryptor.CopyTo(released));

        Assert.Equal(64 * 1024, released.Length);
        Assert.Equal(Age.Sha256(_plaintext[..(64 * 1024)]), Age.Sha256(released.ToArray()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFailedOpenClosesItsInputUnlessToldToLeaveItOpen(bool leaveOpen)
    {
        var stream = new MemoryStream([1, 2, 3]);

        Errors.Raises("NotAgeEncrypted", () => AgeDecryptor.Open(stream, [], leaveOpen));

        Assert.Equal(leaveOpen, stream.CanRead);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("random bytes")]
    [InlineData("a pg_dump archive")]
    public void AFileThatIsNotAgeAtAllIsNotAgeEncrypted(string kind)
    {
        byte[] bytes = kind switch
        {
            "empty" => [],
            "random bytes" => RandomNumberGenerator.GetBytes(1000),
            _ => Encoding.ASCII.GetBytes("PGDMP\u0001\u0010\0\u0004\u0008\u0001\u0001"),
        };

        Assert.Equal(ScorecardErrorCategory.InvalidData, OpenFails("NotAgeEncrypted", bytes).Category);
        Errors.Raises("NotAgeEncrypted", () => AgeHeader.Inspect(new MemoryStream(bytes)));
    }
}
