using System.Collections;
using System.Data.Common;
using System.Management.Automation;
using System.Management.Automation.Language;
using SalesScorecard.Backup;
using SalesScorecard.Settings;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

/// <summary>Offers the app's seven roles on Tab.</summary>
public sealed class RoleCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Matching(Users.UserRules.Roles, wordToComplete);
}

/// <summary>Offers the backups in the destination (-Destination, else BACKUP_DIR) on Tab.</summary>
public sealed class BackupNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var settings = Completion.Settings(fakeBoundParameters, SettingNames.BackupDir, "Destination");
            var destination = settings.GetPath(SettingNames.BackupDir, Completion.CurrentDirectory())!;
            return Completion.Matching(BackupCatalog.List(destination).Select(b => b.Name), wordToComplete);
        }
        catch (Exception e) when (e is ScorecardException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>Offers the companies of the database on Tab; quietly nothing when the database cannot be reached.</summary>
public sealed class CompanyIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var url = Completion.Settings(fakeBoundParameters, SettingNames.DatabaseUrl, "DatabaseUrl").GetDatabaseUrl();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var ids = UserStore.ListCompanyIdsAsync(url, 2, timeout.Token).GetAwaiter().GetResult();
            return Completion.Matching(ids, wordToComplete);
        }
        catch (Exception e) when (e is ScorecardException or DbException or OperationCanceledException or IOException)
        {
            return [];
        }
    }
}

internal static class Completion
{
    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete)
    {
        var word = wordToComplete.Trim('\'', '"');
        return values
            .Where(value => value.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(value => new CompletionResult(value, value, CompletionResultType.ParameterValue, value));
    }

    /// <summary>The current PowerShell location. A completer runs inside a pipeline, so it asks through a nested one.</summary>
    public static string CurrentDirectory()
    {
        try
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            return shell.AddCommand("Microsoft.PowerShell.Management\\Get-Location").Invoke<PathInfo>().FirstOrDefault()?.ProviderPath
                   ?? Environment.CurrentDirectory;
        }
        catch (PSInvalidOperationException)
        {
            return Environment.CurrentDirectory;
        }
    }

    /// <summary>The settings as the command being typed would see them, with its -EnvFile and one bound parameter.</summary>
    public static ScorecardSettings Settings(IDictionary fakeBoundParameters, string settingName, string parameterName)
    {
        var currentDirectory = CurrentDirectory();
        var envFile = ScorecardSettings.LocateEnvFile(fakeBoundParameters["EnvFile"] as string, Environment.GetEnvironmentVariable, currentDirectory);
        return ScorecardSettings.Load(
            new Dictionary<string, string?> { [settingName] = fakeBoundParameters[parameterName] as string },
            Environment.GetEnvironmentVariable,
            envFile);
    }
}
