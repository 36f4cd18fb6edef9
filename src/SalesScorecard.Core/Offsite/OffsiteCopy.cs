namespace SalesScorecard.Offsite;

/// <summary>What was copied to the store: a copy exists only once every object read back as it was written.</summary>
public sealed record OffsiteCopy(string Url, int Objects, long Bytes);
