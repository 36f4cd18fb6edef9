using System.Management.Automation;
using SalesScorecard.Jobs;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

/// <summary>What Lock-ScorecardBackup and Unlock-ScorecardBackup share: which backups, where, and writing them back.</summary>
public abstract class BackupPinCmdlet : ScorecardCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Name")]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public BackupInfo? InputObject { get; set; }

    [Parameter(ParameterSetName = "Name")]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>The backup's copy on the store BACKUP_S3_URL names, instead of the one in BACKUP_DIR.</summary>
    [Parameter(ParameterSetName = "Name")]
    public SwitchParameter Offsite { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The pin's reason, or null to release it.</summary>
    private protected abstract string? PinReason { get; }

    /// <summary>ShouldProcess's action, in words.</summary>
    private protected abstract string Action { get; }

    private ScorecardSettings? _settings;

    /// <summary>Once for the whole pipeline: a .env file's warnings are said once, not once a record.</summary>
    protected override void BeginProcessing() =>
        _settings = RunOrThrow(() => LoadSettings(new Dictionary<string, string?> { [SettingNames.BackupDir] = ProviderPath(Destination) }));

    protected override void ProcessRecord()
    {
        var settings = _settings!;
        foreach (var (name, path) in Targets())
        {
            try
            {
                // Inside the try: a confirmation this host cannot ask is ConfirmationRequired for this backup, and the next goes on.
                if (!ShouldProcess(path ?? name, Action))
                {
                    continue;
                }

                var backup = Run((_, ct) => BackupPinning.SetAsync(settings, CurrentDirectory, Offsite, path, name, PinReason, ct));
                if (PassThru)
                {
                    WriteObject(backup);
                }
            }
            catch (Exception e) when (e is not RuntimeException)
            {
                // One backup that cannot be found or pinned does not stop the others.
                WriteScorecardError(AsScorecardFailure(e, ScorecardErrors.BackupPinFailed));
            }
        }
    }

    private IEnumerable<(string Name, string? Path)> Targets() =>
        InputObject is { } piped ? [(piped.Name, piped.Path)] : (Name ?? []).Select(n => (n, (string?)null));
}
