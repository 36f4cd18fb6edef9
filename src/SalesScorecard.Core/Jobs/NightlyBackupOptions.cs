namespace SalesScorecard.Jobs;

/// <summary>What Invoke-ScorecardBackup's switches add to the settings.</summary>
/// <param name="CurrentDirectory">Where relative paths in the settings are resolved.</param>
/// <param name="Jobs">A directory-format dump with this many jobs; null for one custom-format archive.</param>
/// <param name="ModuleVersion">Written into the manifest.</param>
/// <param name="Notify">Mail the outcome, whatever it is.</param>
internal sealed record NightlyBackupOptions(string CurrentDirectory, int? Jobs, bool SkipVerify, string ModuleVersion, bool Notify);
