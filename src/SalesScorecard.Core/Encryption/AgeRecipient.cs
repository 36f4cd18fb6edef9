namespace SalesScorecard.Encryption;

/// <summary>An age X25519 recipient: the public key a backup is encrypted to, written as <c>age1...</c>.</summary>
public sealed class AgeRecipient : IEquatable<AgeRecipient>
{
    internal const string HumanReadablePart = "age";

    private readonly string _text;

    internal AgeRecipient(byte[] publicKey)
    {
        PublicKey = publicKey;
        _text = Bech32.Encode(HumanReadablePart, publicKey, upperCase: false);
    }

    internal byte[] PublicKey { get; }

    /// <summary>Reads one <c>age1...</c> recipient; error <c>InvalidRecipient</c> says what is wrong with it.</summary>
    public static AgeRecipient Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        var shown = AgeErrors.Beginning(text);
        if (text.Length == 0)
        {
            throw AgeErrors.InvalidRecipient("The recipient is empty.");
        }

        if (!text.StartsWith("age1", StringComparison.OrdinalIgnoreCase))
        {
            throw AgeErrors.InvalidRecipient($"The recipient {shown} does not start with 'age1'.");
        }

        if (text != text.ToLowerInvariant())
        {
            throw AgeErrors.InvalidRecipient($"The recipient {shown} is not all lower-case.");
        }

        var failure = Bech32.TryDecode(text, out var hrp, out var publicKey);
        if (failure == Bech32.DecodeFailure.BadChecksum)
        {
            throw AgeErrors.InvalidRecipient($"The recipient {shown} fails its checksum: a character is mistyped or missing.");
        }

        if (failure != Bech32.DecodeFailure.None || hrp != HumanReadablePart || publicKey.Length != AgePrimitives.X25519KeySize)
        {
            throw AgeErrors.InvalidRecipient($"The recipient {shown} is not a well-formed X25519 recipient.");
        }

        return new AgeRecipient(publicKey);
    }

    /// <summary>
    /// Reads the BACKUP_ENCRYPTION_RECIPIENTS setting: recipients separated by commas or white space, or else the path
    /// (relative to <paramref name="baseFolder"/>) of a recipients file as <c>age -R</c> reads it: one recipient a
    /// line, blank lines and '#' comments allowed. A value starting with 'age1' is a list; write a file of that name
    /// as './age1...'.
    /// </summary>
    public static IReadOnlyList<AgeRecipient> ParseList(string value, string baseFolder)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.Length == 0)
        {
            throw AgeErrors.InvalidRecipient("No recipient is given.");
        }

        if (text.StartsWith("age1", StringComparison.OrdinalIgnoreCase))
        {
            return text.Split([',', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(Parse).Distinct().ToList();
        }

        return ReadFile(Path.GetFullPath(text, baseFolder));
    }

    public override string ToString() => _text;

    public bool Equals(AgeRecipient? other) => other is not null && other._text == _text;

    public override bool Equals(object? obj) => Equals(obj as AgeRecipient);

    public override int GetHashCode() => _text.GetHashCode(StringComparison.Ordinal);

    private static IReadOnlyList<AgeRecipient> ReadFile(string path) =>
        AgeKeyFile.Read(path, "recipients file",
            () => new ScorecardException(ScorecardErrors.RecipientsFileNotFound,
                $"The recipients file '{path}' does not exist. Give recipients (age1...) or the path of a file that lists them.", path),
            () => AgeErrors.InvalidRecipient($"The recipients file '{path}' lists no recipient.", path),
            Parse);
}
