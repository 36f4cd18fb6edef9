using System.Security.Cryptography;
using System.Text;

namespace SalesScorecard.Encryption;

/// <summary>
/// The textual header of an age v1 file: the version line, the recipient stanzas, and the MAC line. Parsing is strict
/// (canonical base64, exact line shapes), so the bytes read are the bytes the MAC covers.
/// </summary>
internal sealed class AgeHeader
{
    private const string VersionLinePrefix = "age-encryption.org/";
    private const string Version = "v1";
    private const string StanzaPrefix = "-> ";
    private const string MacPrefix = "---";
    private const int BodyColumns = 64;
    private const int MacSize = 32;

    // Bounds for reading a damaged or hostile file: real headers are a few hundred bytes.
    private const int MaxLineLength = 64 * 1024;
    private const int MaxHeaderLength = 1024 * 1024;

    private readonly byte[] _macInput;
    private readonly byte[] _mac;

    private AgeHeader(IReadOnlyList<AgeStanza> stanzas, byte[] macInput, byte[] mac, long length)
    {
        Stanzas = stanzas;
        _macInput = macInput;
        _mac = mac;
        Length = length;
    }

    public IReadOnlyList<AgeStanza> Stanzas { get; }

    /// <summary>The header's size in bytes; the payload's 16-byte nonce follows it.</summary>
    public long Length { get; }

    /// <summary>
    /// Reads and checks the header's shape without an identity, leaving <paramref name="input"/> just after it. The MAC
    /// needs the file key, so only opening the file with an identity proves the header unchanged. Errors:
    /// <c>NotAgeEncrypted</c> for a file that is not age v1, <c>ArchiveTampered</c> for a malformed header.
    /// </summary>
    public static AgeHeader Inspect(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var raw = new MemoryStream();
        var versionLine = ReadLine(input, raw, VersionLinePrefix.Length + 16, _ => NotAgeHeaderLine());
        if (versionLine is null || !versionLine.StartsWith(VersionLinePrefix, StringComparison.Ordinal))
        {
            throw raw.Length == 0 ? AgeErrors.NotAge("it is empty") : NotAgeHeaderLine();
        }

        if (versionLine != VersionLinePrefix + Version)
        {
            throw AgeErrors.NotAge("its header names another age version than v1");
        }

        var stanzas = new List<AgeStanza>();
        while (true)
        {
            var lineStart = raw.Length;
            var line = ReadLine(input, raw, MaxLineLength, AgeErrors.Tampered) ?? throw AgeErrors.Tampered("the header ends before its MAC line");
            if (line.StartsWith(StanzaPrefix, StringComparison.Ordinal))
            {
                stanzas.Add(ReadStanza(line, input, raw));
            }
            else if (line.StartsWith(MacPrefix + " ", StringComparison.Ordinal) && stanzas.Count > 0)
            {
                if (!RawBase64.TryDecode(line[(MacPrefix.Length + 1)..], out var mac) || mac.Length != MacSize)
                {
                    throw AgeErrors.Tampered("the header's MAC line is malformed");
                }

                var macInput = raw.GetBuffer().AsSpan(0, (int)lineStart + MacPrefix.Length).ToArray();
                return new AgeHeader(stanzas, macInput, mac, raw.Length);
            }
            else
            {
                throw AgeErrors.Tampered("a header line is neither a recipient stanza nor the MAC line");
            }
        }
    }

    private static ScorecardException NotAgeHeaderLine() => AgeErrors.NotAge("it does not start with the age header line");

    internal bool MacMatches(byte[] fileKey) => CryptographicOperations.FixedTimeEquals(ComputeMac(fileKey, _macInput), _mac);

    /// <summary>The complete header for these stanzas, MAC line included.</summary>
    internal static byte[] Write(IEnumerable<AgeStanza> stanzas, byte[] fileKey)
    {
        var text = new StringBuilder(VersionLinePrefix + Version + "\n");
        foreach (var stanza in stanzas)
        {
            text.Append(StanzaPrefix).AppendJoin(' ', stanza.Arguments).Append('\n');
            var body = RawBase64.Encode(stanza.Body);
            // Full lines, then always a shorter final line (possibly empty): that is how a reader sees the body end.
            for (var start = 0; ; start += BodyColumns)
            {
                var length = Math.Min(BodyColumns, body.Length - start);
                text.Append(body, start, length).Append('\n');
                if (length < BodyColumns)
                {
                    break;
                }
            }
        }

        text.Append(MacPrefix);
        var macInput = Encoding.ASCII.GetBytes(text.ToString());
        var macLine = Encoding.ASCII.GetBytes(" " + RawBase64.Encode(ComputeMac(fileKey, macInput)) + "\n");
        return [.. macInput, .. macLine];
    }

    private static byte[] ComputeMac(byte[] fileKey, byte[] macInput) =>
        HMACSHA256.HashData(AgePrimitives.Hkdf(fileKey, [], "header"), macInput);

    private static AgeStanza ReadStanza(string argumentLine, Stream input, MemoryStream raw)
    {
        var arguments = argumentLine[StanzaPrefix.Length..].Split(' ');
        if (arguments.Any(argument => argument.Length == 0))
        {
            throw AgeErrors.Tampered("a recipient stanza has an empty argument");
        }

        var body = new StringBuilder();
        while (true)
        {
            var line = ReadLine(input, raw, MaxLineLength, AgeErrors.Tampered) ?? throw AgeErrors.Tampered("the header ends inside a recipient stanza");
            if (line.Length > BodyColumns || !line.All(RawBase64.IsBase64Character))
            {
                throw AgeErrors.Tampered("a recipient stanza's body is malformed");
            }

            body.Append(line);
            if (line.Length < BodyColumns)
            {
                break;
            }
        }

        if (!RawBase64.TryDecode(body.ToString(), out var bodyBytes))
        {
            throw AgeErrors.Tampered("a recipient stanza's body is not canonical base64");
        }

        var stanza = new AgeStanza(arguments, bodyBytes);
        X25519Stanza.Validate(stanza);
        return stanza;
    }

    /// <summary>
    /// One LF-terminated line of printable ASCII, read byte by byte so the payload after the header stays unread.
    /// Null at the end of the input before any byte of the line; a malformed line is <paramref name="malformed"/>'s error.
    /// </summary>
    private static string? ReadLine(Stream input, MemoryStream raw, int maxLength, Func<string, ScorecardException> malformed)
    {
        var line = new StringBuilder();
        while (true)
        {
            var next = input.ReadByte();
            if (next < 0)
            {
                return line.Length == 0 ? null : throw malformed("the header ends in the middle of a line");
            }

            raw.WriteByte((byte)next);
            if (next == '\n')
            {
                return line.ToString();
            }

            if (next is < 0x20 or > 0x7e)
            {
                throw malformed("the header holds a byte that is not printable ASCII");
            }

            if (line.Length >= maxLength || raw.Length > MaxHeaderLength)
            {
                throw malformed("a header line is too long");
            }

            line.Append((char)next);
        }
    }
}
