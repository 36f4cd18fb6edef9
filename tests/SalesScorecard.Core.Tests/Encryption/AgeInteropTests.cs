using System.Security.Cryptography;
using SalesScorecard.Encryption;

namespace SalesScorecard.Tests.Encryption;

/// <summary>The module's age files against the real age tool, both ways.</summary>
public sealed class AgeInteropTests : AgeKeygenTest
{
    private readonly AgeKey _moduleKey;

    public AgeInteropTests() => _moduleKey = Age.NewModuleKey(Folder);

    [Fact]
    public void AgeDecryptsWhatTheModuleWroteWithAnAgeKeygenIdentity()
    {
        var plaintext = RandomNumberGenerator.GetBytes(200000);

        var encrypted = Folder.WriteBytes(Age.Protect(plaintext, KeygenKey.Recipient));

        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(Age.DecryptWithTool(Folder, KeygenKey.Path, encrypted)));
    }

    [Fact]
    public void TheModuleDecryptsWhatAgeWroteWithTheIdentityFileItWrote()
    {
        var plaintext = RandomNumberGenerator.GetBytes(200000);

        var encrypted = Age.EncryptWithTool(Folder, plaintext, _moduleKey.Recipient);

        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(Age.Unprotect(File.ReadAllBytes(encrypted), _moduleKey.Identities)));
    }

    [Fact]
    public void SeveralRecipientsEachDecryptWithAgeAlone()
    {
        var plaintext = RandomNumberGenerator.GetBytes(1000);

        var encrypted = Age.Protect(plaintext, KeygenKey.Recipient, _moduleKey.Recipient);

        var file = Folder.WriteBytes(encrypted);
        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(Age.DecryptWithTool(Folder, KeygenKey.Path, file)));
        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(Age.DecryptWithTool(Folder, _moduleKey.Path, file)));
        Assert.Equal(["X25519", "X25519"], AgeHeader.Inspect(new MemoryStream(encrypted)).Stanzas.Select(s => s.Type));
    }

    [Fact]
    public void AFileAgeWroteForSeveralRecipientsOpensWithTheLastOnesIdentity()
    {
        var plaintext = RandomNumberGenerator.GetBytes(1000);

        var encrypted = Age.EncryptWithTool(Folder, plaintext, KeygenKey.Recipient, _moduleKey.Recipient);

        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(Age.Unprotect(File.ReadAllBytes(encrypted), _moduleKey.Identities)));
    }

    // Empty input is one empty final chunk; 64 KiB is one full final chunk; one byte more needs a second chunk.
    [Theory]
    [InlineData(0, 1)]
    [InlineData(65536, 1)]
    [InlineData(65537, 2)]
    public void RoundTripsWithAgeBothWaysAtChunkBoundaries(int size, int chunks)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);

        var fromModule = Age.Protect(plaintext, KeygenKey.Recipient);
        Assert.Equal(16 + size + 16 * chunks, fromModule.Length - Age.HeaderLength(fromModule));
        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(Age.DecryptWithTool(Folder, KeygenKey.Path, Folder.WriteBytes(fromModule))));

        var roundTrip = Age.Unprotect(File.ReadAllBytes(Age.EncryptWithTool(Folder, plaintext, _moduleKey.Recipient)), _moduleKey.Identities);
        Assert.Equal(size, roundTrip.Length);
        Assert.Equal(Age.Sha256(plaintext), Age.Sha256(roundTrip));
    }

    [Fact]
    public void RoundTrips20MBThroughAgeBothWaysAsStreams()
    {
        var plaintextFile = Folder.WriteBytes(RandomNumberGenerator.GetBytes(20 * 1024 * 1024));
        var expected = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(plaintextFile)));

        var encrypted = Age.NewPath(Folder, "large.age");
        using (var output = File.Create(encrypted))
        using (var encryptor = AgeEncryptor.Create(output, [AgeRecipient.Parse(KeygenKey.Recipient)], leaveOpen: false))
        using (var source = File.OpenRead(plaintextFile))
        {
            source.CopyTo(encryptor);
            encryptor.FlushFinalBlock();
        }

        Assert.Equal(expected, Age.Sha256(Age.DecryptWithTool(Folder, KeygenKey.Path, encrypted)));

        var fromTool = Age.NewPath(Folder, "large-tool.age");
        Age.Run("age", "-r", _moduleKey.Recipient, "-o", fromTool, plaintextFile);
        using var decryptor = AgeDecryptor.Open(File.OpenRead(fromTool), _moduleKey.Identities, leaveOpen: false);
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(decryptor)));
    }
}

/// <summary>Encrypting and decrypting allocate their buffers, not the data.</summary>
public sealed class AgeMemoryTests : AgeKeygenTest
{
    private const long Limit = 2 * 1024 * 1024;

    [Fact]
    public void TwentyMegabytesEncryptAndDecryptInFlatMemory()
    {
        var key = KeygenKey;
        var plaintext = new MemoryStream(RandomNumberGenerator.GetBytes(20 * 1024 * 1024));
        // Sized up front: growing it would count as the encryptor's allocations.
        var encrypted = new MemoryStream(21 * 1024 * 1024);

        var encryptor = AgeEncryptor.Create(encrypted, [AgeRecipient.Parse(key.Recipient)], leaveOpen: true);
        var before = GC.GetAllocatedBytesForCurrentThread();
        plaintext.CopyTo(encryptor, 64 * 1024);
        encryptor.FlushFinalBlock();
        encryptor.Dispose();
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Limit);
        Assert.True(encrypted.Length > 20 * 1024 * 1024);

        encrypted.Position = 0;
        using var decryptor = AgeDecryptor.Open(encrypted, key.Identities, leaveOpen: true);
        before = GC.GetAllocatedBytesForCurrentThread();
        decryptor.CopyTo(Stream.Null, 64 * 1024);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Limit);
    }
}
