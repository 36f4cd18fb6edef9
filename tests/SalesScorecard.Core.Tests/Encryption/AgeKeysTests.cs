using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SalesScorecard.Encryption;

namespace SalesScorecard.Tests.Encryption;

/// <summary>Headers read without an identity, identities and recipients, and the secrets they must not show.</summary>
public sealed class AgeKeysTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly AgeKey _key;
    private readonly AgeKey _other;

    public AgeKeysTests()
    {
        _key = Age.NewKeygenKey(_folder);
        _other = Age.NewKeygenKey(_folder);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void InspectCountsTheStanzasAndStopsAtThePayload()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(10), _key.Recipient, _other.Recipient, Age.NewKeygenKey(_folder).Recipient);
        var stream = new MemoryStream(encrypted);

        var header = AgeHeader.Inspect(stream);

        Assert.Equal(["X25519", "X25519", "X25519"], header.Stanzas.Select(s => s.Type));
        Assert.Equal(header.Length, stream.Position);
        Assert.Matches(new Regex("^age-encryption.org/v1\n(-> X25519 .+\n.+\n){3}--- .{43}\n$"), Encoding.ASCII.GetString(encrypted, 0, (int)header.Length));
    }

    [Fact]
    public void InspectRefusesAMalformedHeaderAsArchiveTampered()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(10), _key.Recipient);
        encrypted[22] = (byte)'=';

        Errors.Raises("ArchiveTampered", () => AgeHeader.Inspect(new MemoryStream(encrypted)));
    }

    [Fact]
    public void AWrongIdentityIsIdentityDoesNotMatchNamingItsPublicKeyAndTheStanzaCountButNotItsSecret()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(100), _key.Recipient);

        var failure = Errors.Raises("IdentityDoesNotMatch", () => Age.Unprotect(encrypted, _other.Identities), _other.SecretLine[16..]);

        Assert.Equal(ScorecardErrorCategory.InvalidArgument, failure.Category);
        Assert.Contains("1 X25519 recipient", failure.Message, StringComparison.Ordinal);
        Assert.Contains(_other.Recipient, failure.Message, StringComparison.Ordinal);
        Assert.Contains("None of the given identities can open this file", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongIdentityNamesTheRecipientsTheFileWasMadeForWhenTheyAreKnown()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(100), _key.Recipient);

        var failure = Errors.Raises("IdentityDoesNotMatch", () => Age.Unprotect(encrypted, _other.Identities, _key.Recipient));

        Assert.Contains($"made for {_key.Recipient}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMatchingIdentityIsFoundAmongSeveralInOneFile()
    {
        var both = _folder.Write("both.txt", File.ReadAllText(_other.Path) + File.ReadAllText(_key.Path));
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(100), _key.Recipient);

        var identities = AgeIdentity.ReadFile(both);

        Assert.Equal(2, identities.Count);
        Assert.Equal(100, Age.Unprotect(encrypted, identities).Length);
    }

    [Fact]
    public void AnIdentityGivesItsRecipientAsAgeKeygenDoesAndShowsNothingElse()
    {
        var identity = Assert.Single(_key.Identities);

        Assert.Equal(_key.Recipient, identity.ToRecipient().ToString());
        Assert.Contains(_key.Recipient, identity.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_key.SecretLine[16..], identity.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedIdentityLineIsInvalidIdentityWithoutRepeatingIt()
    {
        var secret = _key.SecretLine;
        var damaged = _folder.Write("damaged.txt", $"# created: now\n{secret[..30]}{(secret[30] == 'Q' ? 'P' : 'Q')}{secret[31..]}\n");

        var failure = Errors.Raises("InvalidIdentity", () => AgeIdentity.ReadFile(damaged), secret[16..26]);

        Assert.Matches("Line 2.*checksum", failure.Message);
    }

    [Theory]
    [InlineData("an empty value", "empty")]
    [InlineData("an ssh key", "does not start with 'age1'")]
    [InlineData("an upper-case recipient", "lower-case")]
    [InlineData("a mistyped character", "checksum")]
    [InlineData("a truncated recipient", "not a well-formed|checksum")]
    [InlineData("a post-quantum recipient", "not a well-formed|checksum")]
    public void ABadRecipientIsInvalidRecipientQuotingAtMostItsFirstCharacters(string kind, string says)
    {
        var valid = _key.Recipient;
        var text = kind switch
        {
            "an empty value" => "",
            "an ssh key" => "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb8Ykr2p1z4v",
            "an upper-case recipient" => valid.ToUpperInvariant(),
            "a mistyped character" => valid[..20] + (valid[20] == 'q' ? 'p' : 'q') + valid[21..],
            "a truncated recipient" => valid[..40],
            _ => "age1pq1" + valid[5..],
        };

        var failure = text.Length > 12
            ? Errors.Raises("InvalidRecipient", () => AgeRecipient.Parse(text), text[..12])
            : Errors.Raises("InvalidRecipient", () => AgeRecipient.Parse(text));

        Assert.Equal(ScorecardErrorCategory.InvalidArgument, failure.Category);
        Assert.Matches(says, failure.Message);
    }

    [Fact]
    public void AListMaySeparateRecipientsByCommasAndSpacesAndNamesEachOnce()
    {
        var list = AgeRecipient.ParseList($" {_key.Recipient},{_other.Recipient}  {_key.Recipient} ", _folder.Path);

        Assert.Equal([_key.Recipient, _other.Recipient], list.Select(r => r.ToString()));
    }

    [Fact]
    public void ARecipientsFileIsReadRelativeToTheBaseFolderWithCommentsAndBlankLines()
    {
        _folder.Write("recipients.txt", $"# backup keys\n\n{_key.Recipient}\n  # the second\n{_other.Recipient}\n");

        var list = AgeRecipient.ParseList("recipients.txt", _folder.Path);

        Assert.Equal([_key.Recipient, _other.Recipient], list.Select(r => r.ToString()));
    }

    [Fact]
    public void ABadRecipientInAFileIsNamedByItsLine()
    {
        var path = _folder.Write("bad-recipients.txt", $"{_key.Recipient}\nage1notarecipient");

        Assert.Contains("Line 2", Errors.Raises("InvalidRecipient", () => AgeRecipient.ParseList(path, _folder.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingOrEmptyRecipientsFileIsRefused()
    {
        var empty = _folder.Write("empty-recipients.txt", "# nothing yet\n");

        Errors.Raises("RecipientsFileNotFound", () => AgeRecipient.ParseList("missing.txt", _folder.Path));
        Errors.Raises("InvalidRecipient", () => AgeRecipient.ParseList(empty, _folder.Path));
    }
}
