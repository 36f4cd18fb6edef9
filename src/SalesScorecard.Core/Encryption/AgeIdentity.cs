using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SalesScorecard.Encryption;

/// <summary>
/// An age X25519 identity: the secret key that opens backups, written as <c>AGE-SECRET-KEY-1...</c>. Its
/// <see cref="ToString"/> shows only the public recipient, so the secret cannot end up in a message or a log.
/// </summary>
public sealed class AgeIdentity
{
    private const string HumanReadablePart = "AGE-SECRET-KEY-";

    private readonly byte[] _secretKey;

    private AgeIdentity(byte[] secretKey)
    {
        _secretKey = secretKey;
        Recipient = new AgeRecipient(AgePrimitives.PublicKeyOf(secretKey));
    }

    private AgeRecipient Recipient { get; }

    public static AgeIdentity Generate() => new(RandomNumberGenerator.GetBytes(AgePrimitives.X25519KeySize));

    /// <summary>Reads one <c>AGE-SECRET-KEY-1...</c> line; error <c>InvalidIdentity</c> never repeats any of it.</summary>
    public static AgeIdentity Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (!text.StartsWith(HumanReadablePart + "1", StringComparison.Ordinal) || text != text.ToUpperInvariant())
        {
            throw AgeErrors.InvalidIdentity("The value is not an upper-case AGE-SECRET-KEY-1... identity.");
        }

        var failure = Bech32.TryDecode(text, out var hrp, out var secretKey);
        if (failure != Bech32.DecodeFailure.None || hrp != HumanReadablePart.ToLowerInvariant() || secretKey.Length != AgePrimitives.X25519KeySize)
        {
            throw AgeErrors.InvalidIdentity(failure == Bech32.DecodeFailure.BadChecksum
                ? "The identity fails its checksum: a character is mistyped or missing."
                : "The identity is not a well-formed X25519 identity.");
        }

        return new AgeIdentity(secretKey);
    }

    /// <summary>
    /// Reads an identity file as age-keygen writes it: '#' comment lines (<c># created:</c>, <c># public key:</c>),
    /// blank lines, and one or more identity lines.
    /// </summary>
    public static IReadOnlyList<AgeIdentity> ReadFile(string path) =>
        AgeKeyFile.Read(path, "identity file",
            () => new ScorecardException(ScorecardErrors.IdentityFileNotFound,
                $"The identity file '{path}' does not exist. Give the file New-ScorecardBackupKey or age-keygen wrote.", path),
            () => AgeErrors.InvalidIdentity($"The identity file '{path}' holds no identity.", path),
            Parse);

    public AgeRecipient ToRecipient() => Recipient;

    /// <summary>
    /// Writes this identity to a new file in the age-keygen format, owner-only (0600) from its creation; error
    /// <c>IdentityFileExists</c> if the file exists, which is never overwritten.
    /// </summary>
    public void WriteFile(string path, DateTimeOffset created)
    {
        FileStream stream;
        try
        {
            stream = SecureFiles.Create(path, FileMode.CreateNew);
        }
        catch (IOException) when (File.Exists(path) || Directory.Exists(path))
        {
            throw new ScorecardException(ScorecardErrors.IdentityFileExists,
                $"'{path}' already exists, and an identity file is never overwritten: the backups encrypted to it could no " +
                "longer be opened. Choose another path, or move the old file away first.", path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException(ScorecardErrors.IdentityFileNotWritten,
                $"The identity file '{path}' cannot be created: {e.Message}", path, e);
        }

        using (stream)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"# created: {created.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}\n# public key: {Recipient}\n{Bech32.Encode(HumanReadablePart, _secretKey, upperCase: true)}\n");
            stream.Write(Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
    }

    public override string ToString() => $"age identity for {Recipient}";

    /// <summary>The file key from an X25519 stanza addressed to this identity; null when it is addressed to another.</summary>
    internal byte[]? TryUnwrap(AgeStanza stanza) => X25519Stanza.TryUnwrap(stanza, _secretKey, Recipient.PublicKey);
}
