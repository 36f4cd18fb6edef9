using System.Buffers.Binary;

namespace SalesScorecard.Encryption;

/// <summary>
/// The age STREAM payload: a 16-byte nonce, then 64 KiB chunks each sealed with ChaCha20-Poly1305 under a nonce of an
/// 11-byte big-endian chunk counter and a last-chunk flag byte.
/// </summary>
internal static class AgePayload
{
    public const int NonceSize = 16;
    public const int ChunkSize = 64 * 1024;
    public const int SealedChunkSize = ChunkSize + ChaChaPoly.TagSize;

    public static ChaChaPoly CreateCipher(byte[] fileKey, byte[] payloadNonce) =>
        new(AgePrimitives.Hkdf(fileKey, payloadNonce, "payload"));

    public static void SetChunkNonce(Span<byte> nonce, ulong counter, bool final)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce.Slice(3, 8), counter);
        nonce[ChaChaPoly.NonceSize - 1] = final ? (byte)1 : (byte)0;
    }
}
