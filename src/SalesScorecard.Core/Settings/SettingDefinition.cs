namespace SalesScorecard.Settings;

/// <summary>
/// One setting the module understands: its .env key, default, whether its value is a secret and, for a whole number,
/// the range it must lie in, checked in one place (<see cref="ScorecardSettings.GetInt"/>).
/// </summary>
internal sealed record SettingDefinition(string Name, string? DefaultValue, bool IsSecret, string Description, WholeNumberRange? Range = null);
