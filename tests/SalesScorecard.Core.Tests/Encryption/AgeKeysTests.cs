using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SalesScorecard.Encryption;

namespace SalesScorecard.Tests.Encryption;

/// <summary>Headers read without an identity, identities and recipients, and the secrets they must not show.</summary>
public sealed class AgeKeysTests : AgeKeygenTest
{
    private readonly AgeKey _other;

    public AgeKeysTests() => _other = Age.NewKeygenKey(Folder);

    [Fact]
    public void InspectCountsTheStanzasAndStopsAtThePayload()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(10), KeygenKey.Recipient, _other.Recipient, Age.NewKeygenKey(Folder).Recipient);
        var stream = new MemoryStream(encrypted);

        var header = AgeHeader.Inspect(stream);

        Assert.Equal(["X25519", "X25519", "X25519"], header.Stanzas.Select(s => s.Type));
        Assert.Equal(header.Length, stream.Position);
        Assert.Matches(new Regex("^age-encryption.org/v1\n(-> X25519 .+\n.+\n){3}--- .{43}\n$"), Encoding.ASCII.GetString(encrypted, 0, (int)header.Length));
    }

    [Fact]
    public void InspectRefusesAMalformedHeaderAsArchiveTampered()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(10), KeygenKey.Recipient);
        encrypted[22] = (byte)'=';

        Errors.Raises("ArchiveTampered", () => AgeHeader.Inspect(new MemoryStream(encrypted)));
    }

    [Fact]
    public void AWrongIdentityIsIdentityDoesNotMatchNamingItsPublicKeyAndTheStanzaCountButNotItsSecret()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(100), KeygenKey.Recipient);

        var failure = Errors.Raises("IdentityDoesNotMatch", () => Age.Unprotect(encrypted, _other.Identities), _other.SecretLine[16..]);

        Assert.Equal(ScorecardErrorCategory.InvalidArgument, failure.Category);
        Assert.Contains("1 X25519 recipient", failure.Message, StringComparison.Ordinal);
        Assert.Contains(_other.Recipient, failure.Message, StringComparison.Ordinal);
        Assert.Contains("None of the given identities can open this file", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongIdentityNamesTheRecipientsTheFileWasMadeForWhenTheyAreKnown()
    {
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(100), KeygenKey.Recipient);

        var failure = Errors.Raises("IdentityDoesNotMatch", () => Age.Unprotect(encrypted, _other.Identities, KeygenKey.Recipient));

        Assert.Contains($"made for {KeygenKey.Recipient}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMatchingIdentityIsFoundAmongSeveralInOneFile()
    {
        var both = Folder.Write("both.txt", File.ReadAllText(_other.Path) + File.ReadAllText(KeygenKey.Path));
        var encrypted = Age.Protect(RandomNumberGenerator.GetBytes(100), KeygenKey.Recipient);

        var identities = AgeIdentity.ReadFile(both);

        Assert.Equal(2, identities.Count);
        Assert.Equal(100, Age.Unprotect(encrypted, identities).Length);
    }

    [Fact]
    public void AnIdentityGivesItsRecipientAsAgeKeygenDoesAndShowsNothingElse()
    {
        var identity = Assert.Single(KeygenKey.Identities);

        Assert.Equal(KeygenKey.Recipient, identity.ToRecipient().ToString());
        Assert.Contains(KeygenKey.Recipient, identity.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(KeygenKey.SecretLine[16..], identity.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedIdentityLineIsInvalidIdentityWithoutRepeatingIt()
    {
        var secret = KeygenKey.SecretLine;
        var damaged = Folder.Write("damaged.txt", $"# created: now\n{secret[..30]}{(secret[30] == 'Q' ? 'P' : 'Q')}{secret[31..]}\n");

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
        var valid = KeygenKey.Recipient;
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
        var list = AgeRecipient.ParseList($" {KeygenKey.Recipient},{_other.Recipient}  {KeygenKey.Recipient} ", Folder.Path);

        Assert.Equal([KeygenKey.Recipient, _other.Recipient], list.Select(r => r.ToString()));
    }

    [Fact]
    public void ARecipientsFileIsReadRelativeToTheBaseFolderWithCommentsAndBlankLines()
    {
        Folder.Write("recipients.txt", $"# backup keys\n\n{KeygenKey.Recipient}\n  # the second\n{_other.Recipient}\n");

        var list = AgeRecipient.ParseList("recipients.txt", Folder.Path);

        Assert.Equal([KeygenKey.Recipient, _other.Recipient], list.Select(r => r.ToString()));
    }

    [Fact]
    public void ABadRecipientInAFileIsNamedByItsLine()
    {
        var path = Folder.Write("bad-recipients.txt", $"{KeygenKey.Recipient}\nage1notarecipient");

        Assert.Contains("Line 2", Errors.Raises("InvalidRecipient", () => AgeRecipient.ParseList(path, Folder.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingOrEmptyRecipientsFileIsRefused()
    {
        var empty = Folder.Write("empty-recipients.txt", "# nothing yet\n");

        Errors.Raises("RecipientsFileNotFound", () => AgeRecipient.ParseList("missing.txt", Folder.Path));
        Errors.Raises("InvalidRecipient", () => AgeRecipient.ParseList(empty, Folder.Path));
    }
}
