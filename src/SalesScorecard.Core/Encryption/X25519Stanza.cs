using System.Security.Cryptography;

namespace SalesScorecard.Encryption;

/// <summary>The X25519 recipient stanza: <c>-&gt; X25519 &lt;ephemeral share&gt;</c> and the file key wrapped for one recipient.</summary>
internal static class X25519Stanza
{
    public const string Type = "X25519";
    private const string WrapInfo = "age-encryption.org/v1/X25519";
    private const int BodySize = AgePrimitives.FileKeySize + ChaChaPoly.TagSize;

    // Each wrap key is used once, so a fixed nonce is safe (the spec's choice).
    private static readonly byte[] ZeroNonce = new byte[ChaChaPoly.NonceSize];

    public static AgeStanza Wrap(byte[] fileKey, AgeRecipient recipient)
    {
        var ephemeralSecret = RandomNumberGenerator.GetBytes(AgePrimitives.X25519KeySize);
        try
        {
            var share = AgePrimitives.PublicKeyOf(ephemeralSecret);
            var shared = AgePrimitives.SharedSecret(ephemeralSecret, recipient.PublicKey)
                ?? throw AgeErrors.InvalidRecipient($"The recipient {AgeErrors.Beginning(recipient.ToString())} is a degenerate (low-order) key.");
            var body = new byte[BodySize];
            using var aead = new ChaChaPoly(WrapKey(shared, share, recipient.PublicKey));
            aead.Seal(ZeroNonce, fileKey, body);
            return new AgeStanza([Type, RawBase64.Encode(share)], body);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeralSecret);
        }
    }

    /// <summary>Rejects a malformed X25519 stanza as the spec requires; other stanza types are left alone.</summary>
    public static void Validate(AgeStanza stanza)
    {
        if (stanza.Type != Type)
        {
            return;
        }

        if (stanza.Arguments.Count != 2 || !RawBase64.TryDecode(stanza.Arguments[1], out var share) || share.Length != AgePrimitives.X25519KeySize)
        {
            throw AgeErrors.Tampered("an X25519 stanza's ephemeral share is malformed");
        }

        // Checked before any decryption, against partitioning oracles (spec).
        if (stanza.Body.Length != BodySize)
        {
            throw AgeErrors.Tampered("an X25519 stanza's body has the wrong length");
        }
    }

    /// <summary>The file key, or null when the stanza is addressed to another identity.</summary>
    public static byte[]? TryUnwrap(AgeStanza stanza, byte[] secretKey, byte[] publicKey)
    {
        if (stanza.Type != Type)
        {
            return null;
        }

        // The header parser has validated the share (Validate), so it decodes.
        RawBase64.TryDecode(stanza.Arguments[1], out var share);
        var shared = AgePrimitives.SharedSecret(secretKey, share)
            ?? throw AgeErrors.Tampered("an X25519 stanza holds a low-order share");
        var fileKey = new byte[AgePrimitives.FileKeySize];
        using var aead = new ChaChaPoly(WrapKey(shared, share, publicKey));
        return aead.TryOpen(ZeroNonce, stanza.Body, fileKey) ? fileKey : null;
    }

    private static byte[] WrapKey(byte[] shared, byte[] share, byte[] recipientPublicKey)
    {
        try
        {
            return AgePrimitives.Hkdf(shared, [.. share, .. recipientPublicKey], WrapInfo);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }
}
