using System.Management.Automation;
using SalesScorecard.Jobs;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsData.Export, "ScorecardBackupReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportScorecardBackupReportCommand : ScorecardCmdlet
{
    /// <summary>The HTML file to write; an existing file is replaced.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    [Parameter]
    public SwitchParameter SkipOffsite { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var path = ProviderPath(Path)!;
        if (!ShouldProcess(path, "Write the backup report"))
        {
            return;
        }

        var settings = LoadSettings(new Dictionary<string, string?> { [SettingNames.BackupDir] = ProviderPath(Destination) });
        var since = Since?.ToUniversalTime();
        Run((reporter, ct) => BackupReportExport.WriteAsync(settings, CurrentDirectory, path, since, Last, SkipOffsite, reporter, ct));
        if (PassThru)
        {
            WriteObject(new FileInfo(path));
        }
    });
}
