using System.Management.Automation;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

/// <summary>
/// What every SalesScorecard cmdlet does: read the settings (with -EnvFile), cancel its work on Ctrl+C, and turn
/// <see cref="ScorecardException"/> into ErrorRecords with stable ids.
/// </summary>
public abstract class ScorecardCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The .env file to read; default: $env:SCORECARD_ENV_FILE, else ./.env when present.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EnvFile { get; set; }

    protected CancellationToken CancellationToken => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Resolves the settings; <paramref name="parameters"/> maps setting names to bound parameter values.
    /// Malformed .env lines become warnings naming file and line, never the value.
    /// </summary>
    protected ScorecardSettings LoadSettings(IReadOnlyDictionary<string, string?>? parameters = null)
    {
        var currentDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var envFile = ScorecardSettings.LocateEnvFile(
            EnvFile is null ? null : GetUnresolvedProviderPathFromPSPath(EnvFile),
            Environment.GetEnvironmentVariable,
            currentDirectory);
        var settings = ScorecardSettings.Load(parameters ?? new Dictionary<string, string?>(), Environment.GetEnvironmentVariable, envFile);
        foreach (var warning in settings.EnvFile?.Warnings ?? [])
        {
            WriteWarning(warning.ToString());
        }

        WriteVerbose(envFile is null ? "No .env file was found; using the environment and defaults." : $"Settings file: {envFile}");
        return settings;
    }

    /// <summary>Runs Core's async work on this thread's behalf; Ctrl+C cancels it and stops the pipeline.</summary>
    protected T Run<T>(Func<CancellationToken, Task<T>> work)
    {
        try
        {
            return work(CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    protected static ErrorRecord ToErrorRecord(ScorecardException e) =>
        new(e, e.ErrorId, Enum.Parse<ErrorCategory>(e.Category.ToString()), e.Target);

    /// <summary>For a failure after which the cmdlet can do nothing more.</summary>
    protected void ThrowScorecardError(ScorecardException e) => ThrowTerminatingError(ToErrorRecord(e));

    /// <summary>For a failure of one input record; the pipeline goes on with the next.</summary>
    protected void WriteScorecardError(ScorecardException e) => WriteError(ToErrorRecord(e));
}
