using System.Management.Automation;
using SalesScorecard.Jobs;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsData.Export, "ScorecardBackupReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportScorecardBackupReportCommand : BackupHistoryCmdlet
{
    /// <summary>The HTML file to write; an existing file is replaced.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var path = ProviderPath(Path)!;
        if (!ShouldProcess(path, "Write the backup report"))
        {
            return;
        }

        var settings = LoadHistorySettings();
        var written = Run((reporter, ct) => BackupReportExport.WriteAsync(settings, CurrentDirectory, path, SinceUtc, Last, SkipOffsite, reporter, ct));
        if (PassThru)
        {
            WriteObject(new FileInfo(written));
        }
    });
}
