namespace SalesScorecard.Encryption;

/// <summary>One recipient stanza of an age header: its arguments (the first names its type) and its wrapped file key.</summary>
internal sealed class AgeStanza
{
    internal AgeStanza(IReadOnlyList<string> arguments, byte[] body)
    {
        Arguments = arguments;
        Body = body;
    }

    /// <summary>The stanza's type, e.g. <c>X25519</c>, <c>scrypt</c> or <c>mlkem768x25519</c>.</summary>
    public string Type => Arguments[0];

    public IReadOnlyList<string> Arguments { get; }

    internal byte[] Body { get; }

    public override string ToString() => Type;
}
