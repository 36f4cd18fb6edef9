using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace SalesScorecard.Encryption;

/// <summary>The key derivations and the X25519 agreement of the age v1 format.</summary>
internal static class AgePrimitives
{
    public const int FileKeySize = 16;
    public const int X25519KeySize = 32;

    public static byte[] Hkdf(ReadOnlySpan<byte> inputKey, ReadOnlySpan<byte> salt, string info) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKey.ToArray(), 32, salt.ToArray(), Encoding.ASCII.GetBytes(info));

    public static byte[] PublicKeyOf(byte[] secretKey)
    {
        var publicKey = new byte[X25519KeySize];
        X25519.ScalarMultBase(secretKey, 0, publicKey, 0);
        return publicKey;
    }

    /// <summary>X25519(secret, point); null for the all-zero result of a low-order point, which age must refuse.</summary>
    public static byte[]? SharedSecret(byte[] secretKey, byte[] publicKey)
    {
        var shared = new byte[X25519KeySize];
        return X25519.CalculateAgreement(secretKey, 0, publicKey, 0, shared, 0) ? shared : null;
    }
}
