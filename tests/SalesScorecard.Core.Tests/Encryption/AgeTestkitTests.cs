using System.IO.Compression;
using System.Text;
using SalesScorecard.Encryption;

namespace SalesScorecard.Tests.Encryption;

/// <summary>The age project's testkit vectors (tests/fixtures/age-testkit) that use X25519 recipients.</summary>
public sealed class AgeTestkitTests
{
    private static readonly Dictionary<string, string[]> Outcomes = new(StringComparer.Ordinal)
    {
        ["success"] = ["success"],
        ["no match"] = ["IdentityDoesNotMatch"],
        ["HMAC failure"] = ["ArchiveTampered"],
        ["header failure"] = ["ArchiveTampered", "NotAgeEncrypted"],
        ["payload failure"] = ["ArchiveTampered"],
    };

    public static TheoryData<string> Vectors()
    {
        var names = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.PathOf("tests", "fixtures", "age-testkit")).Where(f => Path.GetFileName(f) != "README.md").Order(StringComparer.Ordinal))
        {
            names.Add(Path.GetFileName(file));
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void EndsAsTheVectorExpectsHavingReleasedExactlyTheAuthenticatedPlaintext(string name)
    {
        // A vector: 'key: value' lines, an empty line, then the age file (zlib-compressed when it says so).
        var bytes = File.ReadAllBytes(Repository.PathOf("tests", "fixtures", "age-testkit", name));
        var split = 0;
        while (!(bytes[split] == '\n' && bytes[split + 1] == '\n'))
        {
            split++;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var identities = new List<AgeIdentity>();
        foreach (var line in Encoding.ASCII.GetString(bytes, 0, split).Split('\n'))
        {
            var (key, value) = (line.Split(": ", 2)[0], line.Split(": ", 2)[1]);
            if (key == "identity")
            {
                identities.Add(AgeIdentity.Parse(value));
            }
            else
            {
                fields[key] = value;
            }
        }

        Stream body = new MemoryStream(bytes, split + 2, bytes.Length - split - 2);
        var file = fields.GetValueOrDefault("compressed") == "zlib" ? new ZLibStream(body, CompressionMode.Decompress) : body;
        var released = new MemoryStream();
        string outcome;
        try
        {
            using var decryptor = AgeDecryptor.Open(file, identities, leaveOpen: false);
            decryptor.CopyTo(released);
            outcome = "success";
        }
        catch (ScorecardException e)
        {
            outcome = e.ErrorId;
        }

        Assert.True(Outcomes.TryGetValue(fields["expect"], out var expected), $"'{fields["expect"]}' is a known outcome");
        Assert.True(expected.Contains(outcome), $"{name} ({fields.GetValueOrDefault("comment")}): expected {string.Join(" or ", expected)}, got {outcome}");
        if (fields.TryGetValue("payload", out var payload))
        {
            Assert.Equal(payload.ToUpperInvariant(), Age.Sha256(released.ToArray()));
        }
    }
}
