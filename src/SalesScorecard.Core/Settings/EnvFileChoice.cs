namespace SalesScorecard.Settings;

/// <summary>The .env file a call reads, and whether it was named on the command line (then it beats the environment).</summary>
public sealed record EnvFileChoice(string Path, bool Explicit);
