namespace SalesScorecard.Encryption;

/// <summary>
/// Base64 without '=' padding, as age writes it. Decoding accepts only the canonical encoding, so that a header has
/// exactly one spelling and its MAC covers every bit that matters.
/// </summary>
internal static class RawBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    public static bool TryDecode(string text, out byte[] data)
    {
        data = [];
        if (text.Length % 4 == 1 || !text.All(IsBase64Character))
        {
            return false;
        }

        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        var buffer = new byte[padded.Length / 4 * 3];
        if (!Convert.TryFromBase64String(padded, buffer, out var written) || Encode(buffer.AsSpan(0, written)) != text)
        {
            return false;
        }

        data = buffer[..written];
        return true;
    }

    public static bool IsBase64Character(char c) => char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/';
}
