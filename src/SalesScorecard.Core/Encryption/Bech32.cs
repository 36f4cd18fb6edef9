namespace SalesScorecard.Encryption;

/// <summary>
/// Bech32 (BIP 173) without its 90-character limit, as age uses it for keys. The checksum is always computed over
/// the lower-case form; a string must be all lower-case or all upper-case.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    internal enum DecodeFailure { None, MixedCase, NoSeparator, InvalidCharacter, BadChecksum, BadPadding }

    public static string Encode(string hrp, ReadOnlySpan<byte> data, bool upperCase)
    {
        var lowerHrp = hrp.ToLowerInvariant();
        var values = ConvertBits(data, 8, 5, pad: true)!;
        var checksum = Checksum(lowerHrp, values);
        var text = new char[lowerHrp.Length + 1 + values.Length + checksum.Length];
        lowerHrp.CopyTo(0, text, 0, lowerHrp.Length);
        text[lowerHrp.Length] = '1';
        var position = lowerHrp.Length + 1;
        foreach (var value in values.Concat(checksum))
        {
            text[position++] = Charset[value];
        }

        var result = new string(text);
        return upperCase ? result.ToUpperInvariant() : result;
    }

    /// <summary>Splits a Bech32 string into its human-readable part (lower-case) and its data bytes.</summary>
    public static DecodeFailure TryDecode(string text, out string hrp, out byte[] data)
    {
        hrp = string.Empty;
        data = [];
        var lower = text.ToLowerInvariant();
        if (lower != text && text.ToUpperInvariant() != text)
        {
            return DecodeFailure.MixedCase;
        }

        var separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length)
        {
            return DecodeFailure.NoSeparator;
        }

        var values = new byte[lower.Length - separator - 1];
        for (var i = 0; i < values.Length; i++)
        {
            var index = Charset.IndexOf(lower[separator + 1 + i]);
            if (index < 0)
            {
                return DecodeFailure.InvalidCharacter;
            }

            values[i] = (byte)index;
        }

        hrp = lower[..separator];
        if (hrp.Any(c => c < 33 || c > 126))
        {
            return DecodeFailure.InvalidCharacter;
        }

        if (Polymod(ExpandHrp(hrp).Concat(values)) != 1)
        {
            return DecodeFailure.BadChecksum;
        }

        var bytes = ConvertBits(values.AsSpan(0, values.Length - 6), 5, 8, pad: false);
        if (bytes is null)
        {
            return DecodeFailure.BadPadding;
        }

        data = bytes;
        return DecodeFailure.None;
    }

    private static byte[] Checksum(string hrp, byte[] values)
    {
        var polymod = Polymod(ExpandHrp(hrp).Concat(values).Concat(new byte[6])) ^ 1;
        var checksum = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            checksum[i] = (byte)((polymod >> (5 * (5 - i))) & 31);
        }

        return checksum;
    }

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint check = 1;
        foreach (var value in values)
        {
            var top = check >> 25;
            check = ((check & 0x1ffffff) << 5) ^ value;
            for (var i = 0; i < 5; i++)
            {
                if (((top >> i) & 1) != 0)
                {
                    check ^= Generator[i];
                }
            }
        }

        return check;
    }

    private static IEnumerable<byte> ExpandHrp(string hrp) =>
        hrp.Select(c => (byte)(c >> 5)).Append((byte)0).Concat(hrp.Select(c => (byte)(c & 31)));

    /// <summary>Regroups bits; null when unpadded input leaves more than 4 bits or non-zero padding (BIP 173).</summary>
    private static byte[]? ConvertBits(ReadOnlySpan<byte> data, int fromBits, int toBits, bool pad)
    {
        var result = new List<byte>(data.Length * fromBits / toBits + 1);
        int accumulator = 0, bits = 0, maxValue = (1 << toBits) - 1;
        foreach (var value in data)
        {
            accumulator = (accumulator << fromBits) | value;
            bits += fromBits;
            while (bits >= toBits)
            {
                bits -= toBits;
                result.Add((byte)((accumulator >> bits) & maxValue));
            }
        }

        if (pad)
        {
            if (bits > 0)
            {
                result.Add((byte)((accumulator << (toBits - bits)) & maxValue));
            }
        }
        else if (bits >= fromBits || ((accumulator << (toBits - bits)) & maxValue) != 0)
        {
            return null;
        }

        return [.. result];
    }
}
