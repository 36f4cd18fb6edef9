namespace SalesScorecard;

/// <summary>A setting as Get-ScorecardConfig shows it: secrets masked, and where the value came from.</summary>
public sealed record ConfigSetting(string Name, string? Value, string Source, string Description)
{
    public const string Masked = "********";
}
