using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using ManagedChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;

namespace SalesScorecard.Encryption;

/// <summary>
/// ChaCha20-Poly1305 with the tag appended to the ciphertext, as age stores it. Uses the operating system's
/// implementation, or BouncyCastle's managed one where the OS lacks it (older Windows versions, for one).
/// </summary>
internal sealed class ChaChaPoly : IDisposable
{
    public const int TagSize = 16;
    public const int NonceSize = 12;

    private readonly ChaCha20Poly1305? _native;
    private readonly KeyParameter? _managedKey;

    public ChaChaPoly(ReadOnlySpan<byte> key)
    {
        if (ChaCha20Poly1305.IsSupported)
        {
            _native = new ChaCha20Poly1305(key);
        }
        else
        {
            _managedKey = new KeyParameter(key);
        }
    }

    /// <summary>Writes plaintext.Length + <see cref="TagSize"/> bytes to <paramref name="sealedOutput"/>.</summary>
    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> sealedOutput)
    {
        if (_native is not null)
        {
            _native.Encrypt(nonce, plaintext, sealedOutput[..plaintext.Length], sealedOutput.Slice(plaintext.Length, TagSize));
            return;
        }

        var cipher = Managed(forEncryption: true, nonce);
        var written = cipher.ProcessBytes(plaintext, sealedOutput);
        cipher.DoFinal(sealedOutput[written..]);
    }

    /// <summary>
    /// Authenticates and decrypts; false when the tag does not match. <paramref name="plaintext"/> must not be used
    /// when this returns false.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedInput, Span<byte> plaintext)
    {
        if (sealedInput.Length < TagSize)
        {
            return false;
        }

        var length = sealedInput.Length - TagSize;
        try
        {
            if (_native is not null)
            {
                _native.Decrypt(nonce, sealedInput[..length], sealedInput[length..], plaintext[..length]);
                return true;
            }

            var cipher = Managed(forEncryption: false, nonce);
            var written = cipher.ProcessBytes(sealedInput, plaintext);
            cipher.DoFinal(plaintext[written..]);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or InvalidCipherTextException)
        {
            plaintext[..length].Clear();
            return false;
        }
    }

    public void Dispose() => _native?.Dispose();

    private ManagedChaCha20Poly1305 Managed(bool forEncryption, ReadOnlySpan<byte> nonce)
    {
        var cipher = new ManagedChaCha20Poly1305();
        cipher.Init(forEncryption, new AeadParameters(_managedKey, TagSize * 8, nonce.ToArray()));
        return cipher;
    }
}
